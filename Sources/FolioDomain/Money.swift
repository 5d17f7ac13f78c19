/// The currencies Folio invoices in (ISO 4217); each provider's `OrderRules` names the ones it
/// takes (Invoicebox all but PLN and CZK).
package enum Currency: String, Sendable, CaseIterable, Codable {
    case rub = "RUB"
    case pln = "PLN"
    case czk = "CZK"
    case cny = "CNY"
    case uzs = "UZS"
    case eur = "EUR"
    case gbp = "GBP"
    case usd = "USD"
}

/// An amount in integer minor units (kopecks, cents). Folio never holds money in floating point;
/// the only conversion to a decimal happens when a request is written for the provider.
package struct MinorUnits: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var value: Int64

    package init(_ value: Int64) {
        self.value = value
    }

    package static let zero = MinorUnits(0)

    /// The largest invoice total Folio accepts, and so the largest amount anywhere in it: 10^15
    /// minor units (ten trillion roubles).
    ///
    /// Why this bound is safe: every amount Folio computes is a line total (at most 10^6 × 10^12
    /// = 10^18 before it is compared with this bound), a sum of at most 100 bounded line totals
    /// (≤ 10^17), or a refunded sum that never exceeds the invoice total; so no sum or product
    /// comes near `Int64.max` ≈ 9.2 × 10^18. VAT is computed in 128 bits. The bound is also below
    /// 2^53, so every amount in an answer is exact for a JSON reader that uses doubles
    /// (JavaScript).
    package static let largestInvoiceTotal: Int64 = 1_000_000_000_000_000

    package static func < (lhs: MinorUnits, rhs: MinorUnits) -> Bool { lhs.value < rhs.value }

    /// Only for amounts already bounded by `largestInvoiceTotal`; input goes through `adding(_:)`.
    package static func + (lhs: MinorUnits, rhs: MinorUnits) -> MinorUnits { MinorUnits(lhs.value + rhs.value) }
    package static func - (lhs: MinorUnits, rhs: MinorUnits) -> MinorUnits { MinorUnits(lhs.value - rhs.value) }

    /// The sum, or nil when it would not fit in 64 bits.
    package func adding(_ other: MinorUnits) -> MinorUnits? {
        let (sum, overflow) = value.addingReportingOverflow(other.value)
        return overflow ? nil : MinorUnits(sum)
    }

    /// `count × self`, or nil when it would not fit in 64 bits.
    package func multiplied(by count: Int64) -> MinorUnits? {
        let (product, overflow) = value.multipliedReportingOverflow(by: count)
        return overflow ? nil : MinorUnits(product)
    }

    /// `123456` → `"1234.56"`: always two fraction digits, exactly, for any amount.
    package var decimalString: String {
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    package var description: String { decimalString }
}

extension Int64 {
    /// `numerator / denominator` rounded half away from zero, in integers only. Computed in 128
    /// bits, so it cannot overflow for any `Int64` numerator.
    package func dividedRoundingHalfUp(by denominator: Int64) -> Int64 {
        precondition(denominator > 0, "denominator must be positive")
        // |result| ≤ |self|, so it always fits back into 64 bits.
        return Int64(Int128(self).dividedRoundingHalfUp(by: Int128(denominator)))
    }
}

extension Int128 {
    /// `self / denominator` rounded half away from zero; `self` must be within ±2^126.
    package func dividedRoundingHalfUp(by denominator: Int128) -> Int128 {
        precondition(denominator > 0, "denominator must be positive")
        let doubled = self * 2
        return self >= 0 ? (doubled + denominator) / (denominator * 2) : -((-doubled + denominator) / (denominator * 2))
    }
}
