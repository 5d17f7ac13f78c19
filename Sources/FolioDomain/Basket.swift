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

    /// Limits far above any stay, and far below what 64 bits hold: a line's product is at most
    /// 10^18 before it is compared with `totals`.
    package static let quantities: ClosedRange<Int64> = 1...1_000_000
    package static let unitPrices: ClosedRange<Int64> = 1...1_000_000_000_000
    package static let totals: ClosedRange<Int64> = 1...MinorUnits.largestInvoiceTotal
    /// The most lines an order (or a refund) has.
    package static let maximumLines = 100

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
        // Both factors are bounded above, so the product fits in 64 bits; it is checked all the
        // same, so that a change of the bounds can never turn into a trap.
        guard let total = line.unitPrice.multiplied(by: line.quantity), total.value <= BasketError.totals.upperBound else {
            throw .totalOutOfRange
        }
        let vat = line.vatCode.includedVAT(in: total)
        let unitWithoutVAT = line.unitPrice - line.vatCode.includedVAT(in: line.unitPrice)
        // unitWithoutVAT ≤ unitPrice, so this product is bounded by `total` too.
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
        var amount = MinorUnits.zero
        var vat = MinorUnits.zero
        for line in lines {
            // The VAT of a line never exceeds its total, so a bounded amount bounds the VAT sum.
            guard let nextAmount = amount.adding(line.totalAmount), nextAmount.value <= BasketError.totals.upperBound,
                let nextVAT = vat.adding(line.totalVATAmount)
            else { throw .totalOutOfRange }
            amount = nextAmount
            vat = nextVAT
        }
        return (amount, vat)
    }
}
