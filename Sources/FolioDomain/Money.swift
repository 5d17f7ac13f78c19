/// The currencies Invoicebox accepts (ISO 4217).
package enum Currency: String, Sendable, CaseIterable, Codable {
    case rub = "RUB"
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

    package static func < (lhs: MinorUnits, rhs: MinorUnits) -> Bool { lhs.value < rhs.value }
    package static func + (lhs: MinorUnits, rhs: MinorUnits) -> MinorUnits { MinorUnits(lhs.value + rhs.value) }
    package static func - (lhs: MinorUnits, rhs: MinorUnits) -> MinorUnits { MinorUnits(lhs.value - rhs.value) }

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
    /// `numerator / denominator` rounded half away from zero, in integers only.
    package func dividedRoundingHalfUp(by denominator: Int64) -> Int64 {
        precondition(denominator > 0, "denominator must be positive")
        let doubled = self * 2
        return self >= 0 ? (doubled + denominator) / (denominator * 2) : -((-doubled + denominator) / (denominator * 2))
    }
}
