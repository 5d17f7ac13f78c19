/// The VAT codes Folio sends, each with its rate; the tax is always included in the price. The
/// `RUS_` codes are Invoicebox's, the `PL_` codes Polish VAT for Fakturownia: each provider's
/// `OrderRules` names the ones it takes.
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
    case polish23 = "PL_VAT23"
    case polish8 = "PL_VAT8"
    case polish5 = "PL_VAT5"
    case polish0 = "PL_VAT0"
    /// Exempt from VAT (`zw`).
    case polishExempt = "PL_ZW"
    /// Not subject to Polish VAT (`np`).
    case polishNotSubject = "PL_NP"

    /// Invoicebox's codes.
    package static let russian: Set<VATCode> = [.none, .zero, .five, .seven, .ten, .twenty, .twentyTwo]
    /// Polish VAT's codes.
    package static let polish: Set<VATCode> = [.polish23, .polish8, .polish5, .polish0, .polishExempt, .polishNotSubject]

    /// The rate in percent; 0 for no VAT.
    package var ratePercent: Int64 {
        switch self {
        case .none, .zero, .polish0, .polishExempt, .polishNotSubject: 0
        case .five, .polish5: 5
        case .seven: 7
        case .polish8: 8
        case .ten: 10
        case .twenty: 20
        case .twentyTwo: 22
        case .polish23: 23
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
