/// Where an invoice is in its life. Transitions only move forward, so that notifications and
/// polls arriving in any order, or twice, converge on the same final state.
package enum InvoiceStatus: String, Sendable, CaseIterable, Codable {
    /// Committed by Folio, not yet confirmed by the provider.
    case pending
    /// Awaiting payment; has a payment URL.
    case open
    case paid
    case canceled
    case expired
    /// The provider refused to create it.
    case failed
    case partiallyRefunded = "partially_refunded"
    case refunded

    /// How far along the life an invoice is; a transition never lowers it.
    private var stage: Int {
        switch self {
        case .pending: 0
        case .open: 1
        case .canceled, .expired, .failed: 2
        case .paid: 3
        case .partiallyRefunded: 4
        case .refunded: 5
        }
    }

    /// Whether an invoice in this status may move to `next`. An unpaid invoice that ended
    /// (canceled, expired, failed) stays ended unless the provider reports it paid: money that
    /// arrived wins over a local verdict.
    package func canMove(to next: InvoiceStatus) -> Bool {
        guard next != self else { return false }
        return next.stage > stage
    }

    /// Whether money was taken for it.
    package var isPaid: Bool {
        self == .paid || self == .partiallyRefunded || self == .refunded
    }
}
