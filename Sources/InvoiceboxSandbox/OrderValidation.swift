import Foundation
import Synchronization

/// The checks Invoicebox makes on a new order or refund, with its error codes, in the order of
/// invoicebox-api.md §11.1; tolerances as §11.2 recommends for a simulator.
enum OrderValidation {
    static let currencies: Set<String> = ["RUB", "CNY", "UZS", "EUR", "GBP", "USD"]
    static let languages: Set<String> = ["ru", "en"]
    static let paymentTypes: Set<String> = ["full_prepayment", "prepayment", "advance", "full_payment"]
    static let customerTypes: Set<String> = ["legal", "private"]
    static let numericItemTypes = Set(1...27).union(30...33)

    struct Line {
        var sku: String
        var vatCode: String
        var totalMinor: Int64
        var totalVATMinor: Int64
        var item: Data
    }

    static func requireString(_ json: [String: Any], _ key: String, maxLength: Int, path: String? = nil) throws(SandboxError) -> String {
        guard let value = json[key] as? String, !value.isEmpty else {
            throw .invalid("validation_error", field: path ?? key, message: "\(key) is required")
        }
        guard value.count <= maxLength else { throw .invalid("validation_error", field: path ?? key, message: "\(key) is too long") }
        return value
    }

    static func optionalString(_ json: [String: Any], _ key: String, maxLength: Int, path: String? = nil) throws(SandboxError) -> String? {
        guard let raw = json[key], !(raw is NSNull) else { return nil }
        guard let value = raw as? String, value.count <= maxLength else {
            throw .invalid("validation_error", field: path ?? key, message: "\(key) is invalid")
        }
        return value
    }

    /// `merchantOrderIdVisible`: optional, at most 256 characters in a new order (invoicebox-api.md §9.1).
    static func visibleOrderID(_ json: [String: Any]) throws(SandboxError) -> String? {
        try optionalString(json, "merchantOrderIdVisible", maxLength: 256)
    }

    static func requireMoney(_ json: [String: Any], _ key: String, path: String? = nil) throws(SandboxError) -> Int64 {
        guard let value = SandboxMoney.minor(json[key]) else {
            throw .invalid("validation_error", field: path ?? key, message: "\(key) must be a number")
        }
        return value
    }

    /// Checks a basket and its totals; returns the lines.
    static func basket(_ json: [String: Any], amountMinor: Int64, vatMinor: Int64, roundPolicy: String) throws(SandboxError) -> [Line] {
        guard let items = json["basketItems"] as? [Any], !items.isEmpty else {
            throw .invalid("validation_error", field: "basketItems", message: "basketItems must not be empty")
        }
        var lines: [Line] = []
        for (index, raw) in items.enumerated() {
            guard let item = raw as? [String: Any] else {
                throw .invalid("validation_error", field: "basketItems[\(index)]", message: "not an object")
            }
            let path = "basketItems[\(index)]"
            let sku = try requireString(item, "sku", maxLength: 500, path: "\(path).sku")
            _ = try requireString(item, "name", maxLength: 500, path: "\(path).name")
            _ = try requireString(item, "measure", maxLength: 10, path: "\(path).measure")
            _ = try requireString(item, "measureCode", maxLength: 4, path: "\(path).measureCode")
            let vatCode = try requireString(item, "vatCode", maxLength: 20, path: "\(path).vatCode")
            guard let rate = SandboxMoney.vatRates[vatCode] else {
                throw .invalid("validation_error", field: "\(path).vatCode", message: "unknown vatCode")
            }
            let paymentType = try requireString(item, "paymentType", maxLength: 20, path: "\(path).paymentType")
            guard paymentTypes.contains(paymentType) else {
                throw .invalid("validation_error", field: "\(path).paymentType", message: "unknown paymentType")
            }
            switch item["type"] {
            case let type as String where type == "service" || type == "commodity":
                break
            case let type as NSNumber
            where !SandboxMoney.isBoolean(type) && numericItemTypes.contains(type.intValue) && Double(type.intValue) == type.doubleValue:
                break
            default:
                throw .invalid("validation_error", field: "\(path).type", message: "unknown type")
            }
            guard let quantity = SandboxMoney.quantity(item["quantity"]), quantity > 0 else {
                throw .invalid("validation_error", field: "\(path).quantity", message: "quantity must be positive")
            }
            let unit = try requireMoney(item, "amount", path: "\(path).amount")
            let unitWithoutVAT = try requireMoney(item, "amountWoVat", path: "\(path).amountWoVat")
            let total = try requireMoney(item, "totalAmount", path: "\(path).totalAmount")
            let totalVAT = try requireMoney(item, "totalVatAmount", path: "\(path).totalVatAmount")

            // Bounded before any conversion to integers: a huge quantity must be refused, not trap.
            guard quantity <= 1e9, abs(Double(unit) * quantity) < 9e15, abs(Double(unitWithoutVAT) * quantity) < 9e15 else {
                throw .invalid("validation_error", field: "\(path).quantity", message: "quantity × amount is too large")
            }
            let computed = Int64((Double(unit) * quantity).rounded(.toNearestOrAwayFromZero))
            guard lineTotalMatches(computed: computed, given: total, policy: roundPolicy) else {
                throw .calculation("wrong_basket_item_total_amount", field: "\(path).totalAmount")
            }
            guard abs(totalVAT - SandboxMoney.includedVAT(total, rate: rate)) <= 1 else {
                throw .calculation("wrong_basket_item_total_vat_amount", field: "\(path).totalVatAmount")
            }
            let withoutVAT = Int64((Double(unitWithoutVAT) * quantity).rounded(.toNearestOrAwayFromZero))
            guard abs(withoutVAT + totalVAT - total) <= 1 else {
                throw .calculation("wrong_basket_item_amount_wo_vat", field: "\(path).amountWoVat")
            }
            let itemData = (try? JSONSerialization.data(withJSONObject: item)) ?? Data()
            lines.append(Line(sku: sku, vatCode: vatCode, totalMinor: total, totalVATMinor: totalVAT, item: itemData))
        }
        // Each line is below 9·10^15 and a sum that leaves Int64 is simply wrong, never a trap.
        guard Self.checkedSum(lines.map(\.totalMinor)) == amountMinor else {
            throw .calculation("wrong_total_amount", field: "amount")
        }
        guard Self.checkedSum(lines.map(\.totalVATMinor)) == vatMinor else {
            throw .calculation("wrong_total_vat_amount", field: "vatAmount")
        }
        return lines
    }

    /// The sum, or nil when it leaves 64 bits.
    static func checkedSum(_ values: [Int64]) -> Int64? {
        var total: Int64 = 0
        for value in values {
            let (sum, overflow) = total.addingReportingOverflow(value)
            if overflow { return nil }
            total = sum
        }
        return total
    }

    /// `roundPolicy`: `strict` exact; `none` accepts `quantity × amount ≤ totalAmount`; the
    /// rounding policies compare after rounding to whole major units.
    static func lineTotalMatches(computed: Int64, given: Int64, policy: String) -> Bool {
        switch policy {
        case "none": return computed <= given
        case "floor": return given == (computed / 100) * 100
        case "ceil": return given == ((computed + 99) / 100) * 100
        case "halfUp": return given == ((computed + 50) / 100) * 100
        case "halfDown": return given == ((computed + 49) / 100) * 100
        default: return computed == given
        }
    }

    /// The formatters `date` and `format` use, made once: making one costs far more than using
    /// it (it loads a calendar and a locale), and an order carries several dates. A formatter is
    /// not safe to share between threads, hence the lock.
    private struct Formatters {
        /// Writes in UTC; reads any offset, since an internet date-time always carries one.
        let plain: ISO8601DateFormatter
        let fractional: ISO8601DateFormatter

        init() {
            plain = ISO8601DateFormatter()
            plain.formatOptions = [.withInternetDateTime]
            plain.timeZone = TimeZone(identifier: "UTC")
            fractional = ISO8601DateFormatter()
            fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        }
    }

    private static let formatters = Mutex(Formatters())

    static func date(_ text: String) -> Date? {
        formatters.withLock { $0.plain.date(from: text) ?? $0.fractional.date(from: text) }
    }

    static func format(_ date: Date) -> String {
        // The API writes `+00:00`, not `Z`.
        formatters.withLock { $0.plain.string(from: date) }.replacingOccurrences(of: "Z", with: "+00:00")
    }
}
