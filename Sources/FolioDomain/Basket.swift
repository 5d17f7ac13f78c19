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

/// The provider's arithmetic, done in integers (invoicebox-api.md §11).
package enum Basket {
    /// Prices a line. Rules: `totalAmount = quantity × amount`; `totalVATAmount = totalAmount × r/(100+r)`
    /// half-up; `|amountWithoutVAT × quantity + totalVATAmount − totalAmount| ≤ 1` minor unit.
    ///
    /// Rounding the per-unit price without VAT can drift by up to half a minor unit per unit, so a
    /// line whose drift would exceed one minor unit is sent as one unit at the line total (the
    /// quantity stays in the name the host gave); the money is the same to the kopeck.
    package static func price(_ line: BasketLineRequest) -> PricedLine {
        let total = MinorUnits(line.unitPrice.value * line.quantity)
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
    package static func totals(of lines: [PricedLine]) -> (amount: MinorUnits, vat: MinorUnits) {
        lines.reduce((MinorUnits.zero, MinorUnits.zero)) { ($0.0 + $1.totalAmount, $0.1 + $1.totalVATAmount) }
    }
}
