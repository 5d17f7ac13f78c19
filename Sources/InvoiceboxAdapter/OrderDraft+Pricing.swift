import FolioDomain
import Foundation
import PaymentsPort

extension OrderDraft {
    /// The lines priced by the provider's rules, and the order totals they add up to.
    var priced: (lines: [PricedLine], amount: MinorUnits, vat: MinorUnits) {
        get throws(InvoiceboxError) {
            try OrderDraft.price(lines)
        }
    }

    static func price(_ lines: [OrderLine]) throws(InvoiceboxError) -> (lines: [PricedLine], amount: MinorUnits, vat: MinorUnits) {
        do {
            let priced = try lines.map { line throws(BasketError) in try Basket.price(line.basket) }
            let totals = try Basket.totals(of: priced)
            return (priced, totals.amount, totals.vat)
        } catch {
            throw .invalidBasket(error.description)
        }
    }
}

extension OrderLine {
    /// What Invoicebox is sent for an attribute the host left out: those of a room night, a
    /// piece (`шт.`, OKEI 796), a service, paid in full in advance.
    static let defaultMeasure = "шт."
    static let defaultMeasureCode = "796"
    static let defaultItemType = "service"
    static let defaultPaymentType = "full_prepayment"
}
