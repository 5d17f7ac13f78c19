import FolioDomain
import Foundation

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
            guard let parsed = Double(value) else { throw fail("\(key) is not a number") }
            number = parsed
        default: throw fail("\(key) is not a number")
        }
        let scaled = number * 100
        let rounded = scaled.rounded()
        guard number.isFinite, abs(scaled - rounded) < 1e-6, abs(rounded) < 9e15 else {
            throw fail("\(key) is not an amount with at most two fraction digits")
        }
        return MinorUnits(Int64(rounded))
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
/// read with any offset, `Z`, or fraction digits.
enum WireDate {
    static func format(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d+00:00",
            parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0
        )
    }

    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
