/// Where an invoice is in its life. Transitions only move forward, so that notifications and
/// polls arriving in any order, or twice, converge on the same final state.
package enum InvoiceStatus: String, Sendable, CaseIterable, Codable {
    /// Committed by Folio, not yet confirmed by the provider.
    case pending
    /// Awaiting payment; has a payment URL.
    case open
    /// The guest's money is blocked on the card (a guarantee); captured by a fulfilment,
    /// released by a cancel. The host may treat it as paid.
    case held
    /// Part of the amount is recorded as paid on a ledger provider's invoice (Fakturownia's
    /// `partial`); more payments make it `paid`.
    case partiallyPaid = "partially_paid"
    case paid
    case canceled
    case expired
    /// The provider refused to create it.
    case failed
    case partiallyRefunded = "partially_refunded"
    case refunded
    /// The provider canceled an order after it was paid (a guarantee payment reversed): the
    /// money went back to the payer without a refund.
    case reversed

    /// How far along the life an invoice is; a transition never lowers it.
    private var stage: Int {
        switch self {
        case .pending: 0
        case .open: 1
        case .held, .partiallyPaid: 2
        case .canceled, .expired, .failed: 3
        case .paid: 4
        case .partiallyRefunded: 5
        case .refunded: 6
        case .reversed: 7
        }
    }

    /// Whether an invoice in this status may move to `next`. An unpaid invoice that ended
    /// (canceled, expired, failed) stays ended unless the provider reports it paid: money that
    /// arrived wins over a local verdict. A hold ends in a capture (paid) or a release
    /// (canceled); a late report of the hold changes neither.
    package func canMove(to next: InvoiceStatus) -> Bool {
        guard next != self else { return false }
        return next.stage > stage
    }

    /// Whether money was taken for it.
    package var isPaid: Bool {
        self == .paid || self == .partiallyRefunded || self == .refunded
    }
}
