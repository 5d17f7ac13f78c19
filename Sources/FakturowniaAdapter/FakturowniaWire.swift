import FolioDomain
import Foundation
import JSONWire

/// A JSON body as it goes on the wire: amounts from integer minor units, keys in order, absent
/// members left out.
typealias FakturowniaBody = WireJSON

extension WireJSON {
    static func optional(_ value: String?) -> WireJSON? { optionalString(value) }

    /// The object with `api_token` first, which is how every write authenticates (§2).
    func withToken(_ token: Secret) -> WireJSON {
        guard case .object(let members) = self else { return self }
        return .object([("api_token", .string(token.revealed))] + members)
    }
}

/// Lenient reading of one JSON object the provider answered: unknown members are ignored, ids
/// may be numbers or strings, and amounts are strings (`"123.00"`) read digit by digit.
struct FakturowniaObject {
    let members: [String: Any]
    let status: Int

    func fail(_ reason: String) -> FakturowniaGatewayError {
        .malformedResponse(reason: reason, status: status)
    }

    func string(_ key: String) throws(FakturowniaGatewayError) -> String {
        guard let value = optionalString(key) else { throw fail("missing \(key)") }
        return value
    }

    func optionalString(_ key: String) -> String? {
        switch members[key] {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    func id(_ key: String) throws(FakturowniaGatewayError) -> Int64 {
        guard let text = optionalString(key), let id = Int64(text) else { throw fail("missing or non-numeric \(key)") }
        return id
    }

    func optionalBool(_ key: String) -> Bool? {
        switch members[key] {
        case let number as NSNumber: number.boolValue
        case let text as String: ["true", "1", "yes"].contains(text.lowercased()) ? true : (["false", "0", "no"].contains(text.lowercased()) ? false : nil)
        default: nil
        }
    }

    func money(_ key: String) throws(FakturowniaGatewayError) -> MinorUnits {
        guard let amount = try optionalMoney(key) else { throw fail("missing \(key)") }
        return amount
    }

    func optionalMoney(_ key: String) throws(FakturowniaGatewayError) -> MinorUnits? {
        guard let raw = members[key], !(raw is NSNull) else { return nil }
        let text: String
        switch raw {
        case let value as String: text = value
        case let value as NSNumber: text = value.stringValue
        default: throw fail("\(key) is not an amount")
        }
        guard let amount = FakturowniaAmount.minorUnits(text) else { throw fail("\(key) is not an amount with at most two fraction digits") }
        return amount
    }

    func object(_ key: String) -> FakturowniaObject? {
        (members[key] as? [String: Any]).map { FakturowniaObject(members: $0, status: status) }
    }

    func objects(_ key: String) -> [FakturowniaObject] {
        ((members[key] as? [Any]) ?? []).compactMap { $0 as? [String: Any] }.map { FakturowniaObject(members: $0, status: status) }
    }
}

/// Amounts as the provider writes them: `"123.00"`, `"12.3"`, `"0,00"`, `"-5"`.
package enum FakturowniaAmount {
    /// The exact minor units of a decimal text with at most two significant fraction digits
    /// (a comma is read as the decimal point); nil for anything else, since rounding it away would
    /// silently change money.
    package static func minorUnits(_ text: String) -> MinorUnits? {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "."))
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 15, whole.allSatisfy({ $0.isASCII && $0.isNumber }), let major = Int64(whole)
        else { return nil }
        var fraction = parts.count > 1 ? parts[1] : ""
        guard parts.count == 1 || !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        while fraction.count > 2, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= 2 else { return nil }
        let minor = Int64(fraction.padding(toLength: 2, withPad: "0", startingAt: 0)) ?? 0
        let value = major * 100 + minor
        return MinorUnits(negative ? -value : value)
    }
}
