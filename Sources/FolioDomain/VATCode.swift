/// The VAT codes Folio sends, each with its rate; the tax is always included in the price.
///
/// The `_ADDED` codes (tax on top of the price) are left out on purpose: the provider does not
/// document how their totals are checked.
package enum VATCode: String, Sendable, CaseIterable, Codable {
    case none = "VATNONE"
    case zero = "RUS_VAT0"
    case five = "RUS_VAT5"
    case seven = "RUS_VAT7"
    case ten = "RUS_VAT10"
    case twenty = "RUS_VAT20"
    case twentyTwo = "RUS_VAT22"

    /// The rate in percent; 0 for no VAT.
    package var ratePercent: Int64 {
        switch self {
        case .none, .zero: 0
        case .five: 5
        case .seven: 7
        case .ten: 10
        case .twenty: 20
        case .twentyTwo: 22
        }
    }

    /// The VAT contained in a VAT-inclusive amount: `amount × r / (100 + r)`, half-up to the minor unit.
    /// The product is taken in 128 bits, so no amount can overflow it; the VAT is never larger
    /// than the amount, so it fits back into 64 bits.
    package func includedVAT(in amount: MinorUnits) -> MinorUnits {
        guard ratePercent > 0 else { return .zero }
        let vat = (Int128(amount.value) * Int128(ratePercent)).dividedRoundingHalfUp(by: Int128(100 + ratePercent))
        return MinorUnits(Int64(vat))
    }
}
