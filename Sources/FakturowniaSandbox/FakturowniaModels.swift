import Foundation

/// An answer in one of the provider's error shapes (fakturownia-api.md §11).
package struct FakturowniaError: Error, Sendable {
    package let status: Int
    package let body: Data

    /// 401 for a wrong token or an unknown prefix.
    static let unauthorized = FakturowniaError(status: 401, object: ["code": "error", "message": "You must be logged in to gain access to the site"])
    /// 404 for an unknown id or path.
    static let notFound = FakturowniaError(status: 404, object: ["code": "error", "message": "Not Found"])

    init(status: Int, object: [String: Any]) {
        self.status = status
        self.body = FakturowniaJSON.serialize(object)
    }

    /// 422 `{"code":"error","message":{"<field>":["<text>"]}}`, with Rails' Polish messages.
    static func invalid(_ field: String, _ message: String) -> FakturowniaError {
        FakturowniaError(status: 422, object: ["code": "error", "message": [field: [message]]])
    }

    /// 422 with a plain string message.
    static func refused(_ message: String) -> FakturowniaError {
        FakturowniaError(status: 422, object: ["code": "error", "message": message])
    }

    static let blank = "nie może być puste"
    static let invalidValue = "jest nieprawidłowe"
    static let taken = "zostało już zajęte"
}

enum FakturowniaJSON {
    static func serialize(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    static func object(_ data: Data) throws(FakturowniaError) -> [String: Any] {
        if data.isEmpty { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FakturowniaError(status: 400, object: ["code": "error", "message": "Bad Request"])
        }
        return object
    }

    /// A scalar as the text Rails would keep for it.
    static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: return string
        case let number as NSNumber:
            if isBoolean(number) { return number.boolValue ? "true" : "false" }
            return number.stringValue
        default: return nil
        }
    }

    /// JSON `true`/`false` decode to an NSNumber of type `c` (char), numbers to `q` or `d`.
    static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    static func bool(_ value: Any?) -> Bool? {
        switch text(value)?.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: return nil
        }
    }
}

/// Amounts in grosze; answered as strings with two decimals (`"123.00"`), as the provider does.
enum FakturowniaMoney {
    static func parse(_ value: Any?) -> Int? {
        if let number = value as? NSNumber, !FakturowniaJSON.isBoolean(number) {
            return Int((number.doubleValue * 100).rounded())
        }
        guard let text = (value as? String)?.replacingOccurrences(of: ",", with: ".").replacingOccurrences(of: " ", with: ""),
            let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !text.isEmpty
        else { return nil }
        return NSDecimalNumber(decimal: decimal * 100).rounding(accordingToBehavior: nil).intValue
    }

    static func format(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = abs(cents)
        return "\(sign)\(magnitude / 100).\(String(format: "%02d", magnitude % 100))"
    }

    /// The webhook sample writes the gross price as Ruby prints a decimal: `"12.3"`, `"100.0"`.
    static func short(_ cents: Int) -> String {
        var text = format(cents)
        while text.hasSuffix("0") && !text.hasSuffix(".0") { text.removeLast() }
        return text
    }
}

/// Calendar dates in the provider's time zone.
enum FakturowniaDate {
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Warsaw") ?? .gmt
        return calendar
    }()

    static func format(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    static func parse(_ text: String?) -> Date? {
        guard let text else { return nil }
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    static func adding(days: Int, to text: String) -> String {
        guard let date = parse(text), let later = calendar.date(byAdding: .day, value: days, to: date) else { return text }
        return format(later)
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = calendar.timeZone
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// A failure injected for the next requests that match a method and a path fragment.
package struct FakturowniaFault: Sendable {
    package enum Kind: String, Sendable {
        /// Answer `status` (429, 500, 503, …) without handling the request.
        case status
        /// Handle the request, then answer 502 with an HTML body, as a proxy that lost the answer.
        case dropResponse = "drop_response"
        /// Answer 200 with an HTML body instead of the promised JSON.
        case malformedBody = "malformed_body"
        /// Wait `milliseconds` before handling the request.
        case delay
    }

    package var kind: Kind
    /// Only requests whose method matches (`POST`, …); nil for any.
    package var method: String?
    /// Only requests whose path (after the account prefix) contains this; nil for any.
    package var pathContains: String?
    package var status = 500
    package var milliseconds = 0
    /// How many requests it applies to.
    package var remaining = 1

    package init(kind: Kind, method: String? = nil, pathContains: String? = nil, status: Int = 500, milliseconds: Int = 0, count: Int = 1) {
        self.kind = kind
        self.method = method
        self.pathContains = pathContains
        self.status = status
        self.milliseconds = milliseconds
        self.remaining = count
    }
}

/// A request the provider endpoints received, with `api_token` values masked.
package struct FakturowniaRequestRecord: Sendable {
    package let method: String
    package let prefix: String?
    package let path: String
    package let redactedQuery: String
    package let authorizationHeader: Bool
}

/// An e-mail `send_by_email` sent.
package struct FakturowniaEmail: Sendable {
    package let prefix: String
    package let invoiceID: Int
    package let to: [String]
    package let cc: [String]
    package let withPDF: Bool
}

/// One attempt (there is never a second) to deliver a webhook.
package struct FakturowniaDelivery: Sendable {
    package let webhookID: Int
    package let kind: String
    package let url: String
    package let invoiceID: Int
    /// The receiver's HTTP status; nil when dropped or unanswered.
    package var httpStatus: Int?
    package var outcome: String
}

struct PendingWebhook: Sendable {
    let webhookID: Int
    let kind: String
    let url: String
    let invoiceID: Int
    let body: Data
}

/// Masks the value of every `api_token` / `integration_token` query parameter.
package func redactTokens(inQuery query: String) -> String {
    query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
        let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
        return name.hasSuffix("token") ? "\(name)=[REDACTED]" : String(pair)
    }.joined(separator: "&")
}
