/// A line as the host describes it: what, how many, at which VAT-inclusive unit price.
package struct BasketLineRequest: Hashable, Sendable {
    package var sku: String
    package var name: String
    package var quantity: Int64
    package var unitPrice: MinorUnits
    package var vatCode: VATCode

    package init(sku: String, name: String, quantity: Int64, unitPrice: MinorUnits, vatCode: VATCode) {
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.vatCode = vatCode
    }
}

/// A line with every figure the provider checks, computed so that each of its rules holds.
package struct PricedLine: Hashable, Sendable {
    package var sku: String
    package var name: String
    package var quantity: Int64
    /// Unit price including VAT.
    package var amount: MinorUnits
    /// Unit price excluding VAT.
    package var amountWithoutVAT: MinorUnits
    /// `quantity × amount`.
    package var totalAmount: MinorUnits
    /// The VAT in `totalAmount`.
    package var totalVATAmount: MinorUnits
    package var vatCode: VATCode
}

/// Why a basket cannot be priced. Checked before anything is multiplied, so that no input can
/// overflow the arithmetic.
package enum BasketError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case quantityOutOfRange(sku: String)
    case priceOutOfRange(sku: String)
    case totalOutOfRange

    /// Limits far above any stay, and far below what 64 bits hold.
    package static let quantities: ClosedRange<Int64> = 1...1_000_000
    package static let unitPrices: ClosedRange<Int64> = 1...1_000_000_000_000
    package static let totals: ClosedRange<Int64> = 1...1_000_000_000_000_000

    package var description: String {
        switch self {
        case .empty: "the basket has no lines"
        case .quantityOutOfRange(let sku): "the quantity of \(sku) is not between 1 and \(Self.quantities.upperBound)"
        case .priceOutOfRange(let sku): "the unit price of \(sku) is not between 0.01 and \(MinorUnits(Self.unitPrices.upperBound))"
        case .totalOutOfRange: "the basket's total is too large"
        }
    }
}

/// The provider's arithmetic, done in integers (invoicebox-api.md §11).
package enum Basket {
    /// Prices a line. Rules: `totalAmount = quantity × amount`; `totalVATAmount = totalAmount × r/(100+r)`
    /// half-up; `|amountWithoutVAT × quantity + totalVATAmount − totalAmount| ≤ 1` minor unit.
    ///
    /// Rounding the per-unit price without VAT can drift by up to half a minor unit per unit, so a
    /// line whose drift would exceed one minor unit is sent as one unit at the line total; the
    /// money is the same to the kopeck, and the receipt shows the line's name with quantity 1,
    /// so a name that states the quantity ("2 nights") reads right either way.
    package static func price(_ line: BasketLineRequest) throws(BasketError) -> PricedLine {
        guard BasketError.quantities.contains(line.quantity) else { throw .quantityOutOfRange(sku: line.sku) }
        guard BasketError.unitPrices.contains(line.unitPrice.value) else { throw .priceOutOfRange(sku: line.sku) }
        // Both factors are bounded above, so the product fits in 64 bits; bounding it again keeps
        // the VAT product (total × rate) inside 64 bits as well.
        let total = MinorUnits(line.unitPrice.value * line.quantity)
        guard total.value <= BasketError.totals.upperBound else { throw .totalOutOfRange }
        let vat = line.vatCode.includedVAT(in: total)
        let unitWithoutVAT = line.unitPrice - line.vatCode.includedVAT(in: line.unitPrice)
        let drift = (unitWithoutVAT.value * line.quantity + vat.value - total.value).magnitude
        if drift <= 1 {
            return PricedLine(
                sku: line.sku, name: line.name, quantity: line.quantity, amount: line.unitPrice,
                amountWithoutVAT: unitWithoutVAT, totalAmount: total, totalVATAmount: vat, vatCode: line.vatCode
            )
        }
        return PricedLine(
            sku: line.sku, name: line.name, quantity: 1, amount: total,
            amountWithoutVAT: total - vat, totalAmount: total, totalVATAmount: vat, vatCode: line.vatCode
        )
    }

    /// Order totals: the sums of the line totals and of the line VAT.
    package static func totals(of lines: [PricedLine]) throws(BasketError) -> (amount: MinorUnits, vat: MinorUnits) {
        guard !lines.isEmpty else { throw .empty }
        var amount: Int64 = 0
        var vat: Int64 = 0
        for line in lines {
            amount += line.totalAmount.value
            vat += line.totalVATAmount.value
            guard amount <= BasketError.totals.upperBound else { throw .totalOutOfRange }
        }
        return (MinorUnits(amount), MinorUnits(vat))
    }
}
