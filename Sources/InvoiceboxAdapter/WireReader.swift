import FolioDomain
import Foundation
import PaymentsPort

/// Lenient reading of the provider's JSON: unknown members are ignored, and the type variations
/// the reference lists (ids as strings or numbers, `fileIds` as array or object, numbers with or
/// without fraction digits) are accepted. Anything else is a `malformedResponse`.
struct WireObject {
    let members: [String: Any]
    let status: Int
    let requestID: String?

    func fail(_ reason: String) -> InvoiceboxError {
        .malformedResponse(reason: reason, status: status, requestID: requestID)
    }

    func has(_ key: String) -> Bool {
        guard let value = members[key] else { return false }
        return !(value is NSNull)
    }

    func string(_ key: String) throws(InvoiceboxError) -> String {
        guard let value = optionalString(key) else { throw fail("missing \(key)") }
        return value
    }

    /// A string, or a number written as a string (ids are typed both ways in official material).
    func optionalString(_ key: String) -> String? {
        switch members[key] {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    func money(_ key: String) throws(InvoiceboxError) -> MinorUnits {
        guard let amount = try optionalMoney(key) else { throw fail("missing \(key)") }
        return amount
    }

    /// A major-unit JSON number as minor units; more than two fraction digits is an error, since
    /// rounding it away would silently change money.
    func optionalMoney(_ key: String) throws(InvoiceboxError) -> MinorUnits? {
        guard let raw = members[key], !(raw is NSNull) else { return nil }
        let number: Double
        switch raw {
        case let value as NSNumber: number = value.doubleValue
        case let value as String:
            // Some payloads quote amounts (`"13740.00"`): read the digits exactly, not through a double.
            if let exact = Self.decimalMinorUnits(value) { return exact }
            guard let parsed = Double(value) else { throw fail("\(key) is not a number") }
            number = parsed
        default: throw fail("\(key) is not a number")
        }
        let scaled = number * 100
        let rounded = scaled.rounded()
        // The tolerance grows with the amount: a double's own rounding does too.
        guard number.isFinite, abs(scaled - rounded) <= max(1e-6, abs(scaled) * 1e-12), abs(rounded) < 9e15 else {
            throw fail("\(key) is not an amount with at most two fraction digits")
        }
        return MinorUnits(Int64(rounded))
    }

    /// `-?digits(.digits)?` with at most two significant fraction digits, as minor units; `nil`
    /// for anything else, which is then read as a number or refused.
    static func decimalMinorUnits(_ text: String) -> MinorUnits? {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 15, whole.allSatisfy({ $0.isASCII && $0.isNumber }), let major = Int64(whole) else {
            return nil
        }
        var fraction = parts.count > 1 ? parts[1] : ""
        guard parts.count == 1 || !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        while fraction.count > 2, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= 2 else { return nil }
        let minor = Int64(fraction.padding(toLength: 2, withPad: "0", startingAt: 0)) ?? 0
        let value = major * 100 + minor
        return MinorUnits(negative ? -value : value)
    }

    func date(_ key: String) throws(InvoiceboxError) -> Date {
        guard let date = try optionalDate(key) else { throw fail("missing \(key)") }
        return date
    }

    func optionalDate(_ key: String) throws(InvoiceboxError) -> Date? {
        guard let text = optionalString(key), !text.isEmpty else { return nil }
        guard let date = WireDate.parse(text) else { throw fail("\(key) is not a timestamp") }
        return date
    }

    func optionalBool(_ key: String) -> Bool? {
        members[key] as? Bool
    }

    func object(_ key: String) -> WireObject? {
        (members[key] as? [String: Any]).map { WireObject(members: $0, status: status, requestID: requestID) }
    }

    func objects(_ key: String) -> [WireObject] {
        ((members[key] as? [Any]) ?? []).compactMap { $0 as? [String: Any] }.map {
            WireObject(members: $0, status: status, requestID: requestID)
        }
    }
}

/// ATOM timestamps (`2024-08-12T14:00:00+03:00`): written with an explicit `+00:00` offset,
/// read with any offset, `Z`, or fraction digits. A timestamp without an offset is read as UTC:
/// "Invoicebox stores all timestamps in UTC; converting to local time is the client's job"
/// (invoicebox-api.md §3.5), and its own filter examples pass such timestamps.
///
/// Done by hand rather than with `ISO8601DateFormatter`, which costs tens of microseconds to
/// create and is not `Sendable` to share; every order carries several timestamps.
enum WireDate {
    static func format(_ date: Date) -> String {
        let (days, secondOfDay) = CivilCalendar.split(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)))
        let (year, month, day) = CivilCalendar.date(fromDays: days)
        return String(
            format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld+00:00",
            year, month, day, secondOfDay / 3600, secondOfDay % 3600 / 60, secondOfDay % 60
        )
    }

    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ length: Int) -> Int64? {
            guard start + length <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[start..<start + length] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 19, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54 || bytes[10] == 0x74,
            bytes[13] == 0x3A, bytes[16] == 0x3A,
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), day >= 1, day <= CivilCalendar.daysIn(month: month, year: year), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == 0x2E {
            var scale = 0.1
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset: Int64 = 0
        switch index < bytes.count ? bytes[index] : nil {
        case nil:
            break
        case 0x5A, 0x7A:
            guard index + 1 == bytes.count else { return nil }
        case 0x2B, 0x2D:
            guard index + 6 == bytes.count, bytes[index + 3] == 0x3A,
                let hours = number(index + 1, 2), let minutes = number(index + 4, 2), hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == 0x2D ? -1 : 1)
        default:
            return nil
        }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
