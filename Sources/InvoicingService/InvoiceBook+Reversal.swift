import FolioDomain
import PaymentsPort

extension InvoiceBook {
    /// The statuses a paid order the provider later reports canceled (a guarantee payment
    /// reversed, invoicebox-api.md §9.8 rule 3, §10.2) moves to `reversed`. A refunded invoice
    /// stays refunded: everything paid went back through its refunds already, and a reversal
    /// cannot return more; the provider's status is still recorded.
    static let reversible: Set<InvoiceStatus> = [.paid, .partiallyRefunded]

    /// Where an invoice at `current` goes when the provider reports `provider`: `nil` when the
    /// report moves it nowhere (a replay, a late report, a status this version does not know).
    package static func next(for provider: ProviderOrderStatus, from current: InvoiceStatus) -> InvoiceStatus? {
        guard let reported = status(of: provider) else { return nil }
        // A ledger's voided document ends only an invoice nothing was paid on: money recorded on
        // it is not returned by the void, so the invoice keeps its status (and the provider's).
        if case .voided = provider, current.isPaid || current == .partiallyPaid || current == .reversed { return nil }
        if reported == .canceled, reversible.contains(current) { return .reversed }
        return current.canMove(to: reported) ? reported : nil
    }
}
