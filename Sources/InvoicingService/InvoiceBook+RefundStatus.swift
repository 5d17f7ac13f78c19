import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import TenantRegistry

extension Refund {
    /// The refund's own id at the provider.
    package var merchantOrderID: String {
        id.uuidString.lowercased()
    }
}

extension InvoiceBook {
    /// Reads a refund the provider accepted and applies its status now (the refund poller's
    /// entry point). A refund in any other status is returned as it is, and is not polled.
    package func pollRefund(_ tenant: TenantID, id: UUID) async throws -> Refund {
        guard let refund = try await refund(tenant, id: id) else { throw InvoiceError.notFound }
        guard refund.status == .created else {
            try await tenants.withTenant(tenant) { connection in
                try await RefundPollSchedule.remove(refund.id, of: tenant, on: connection, logger: logger)
            }
            return refund
        }
        guard let invoice = try await invoice(tenant, id: refund.invoiceID), let parentOrderID = invoice.providerOrderID else {
            throw InvoiceError.notFound
        }
        let shop = try await setup.shop(of: tenant, actor: Self.actor)
        guard let found = try await provider.refund(merchantOrderID: refund.merchantOrderID, parentOrderID: parentOrderID, shop: shop),
            let next = Refund.Status(provider: found.status), refund.status.canMove(to: next)
        else { return refund }
        return try await moveRefund(tenant, refund, to: next, providerRefundID: found.id)
    }

    /// Moves a refund to `next` if that is a step forward, with everything that follows in the
    /// same transaction: the money counted against the invoice, the invoice's status, the poll
    /// schedule, the recovery queue and the events. The invoice row is locked first, as a new
    /// refund locks it, so that the refunds of one invoice change one at a time.
    ///
    /// A refund that ends without money going back (`failed`, `canceled`) frees its amount. The
    /// invoice's status then follows the refunds the provider accepted and did not cancel:
    /// `refunded` when they cover the invoice, `partially_refunded` when some do, else `paid`.
    /// That is the one way an invoice's status moves back, because a canceled refund is the
    /// provider's final word on money that never went back, not a stale view of the order, and
    /// the invoice must be refundable again.
    func moveRefund(
        _ tenant: TenantID,
        _ refund: Refund,
        to next: Refund.Status,
        providerRefundID: String? = nil,
        failureCode: String? = nil
    ) async throws -> Refund {
        try await tenants.withTenant(tenant) { connection in
            try await connection.query("SELECT 1 FROM invoices WHERE id = \(refund.invoiceID) FOR UPDATE", logger: logger)
            let locked = try await Refund.decode(
                connection.query(
                    "SELECT \(unescaped: Refund.columns) FROM refunds WHERE id = \(refund.id) FOR UPDATE",
                    logger: logger
                ))
            guard let current = locked.first else { throw InvoiceError.notFound }
            guard current.status.canMove(to: next) else {
                if current.status != .pending {
                    try await PendingCreations.remove(refund.id, kind: .refund, of: tenant, on: connection, logger: logger)
                }
                if current.status != .created {
                    try await RefundPollSchedule.remove(refund.id, of: tenant, on: connection, logger: logger)
                }
                return current
            }
            let rows = try await connection.query(
                """
                UPDATE refunds SET status = \(next.rawValue), provider_refund_id = COALESCE(provider_refund_id, \(providerRefundID)),
                    failure_code = COALESCE(\(failureCode), failure_code), updated_at = now()
                WHERE id = \(refund.id)
                RETURNING \(unescaped: Refund.columns)
                """,
                logger: logger
            )
            guard let moved = try await Refund.decode(rows).first else { throw InvoiceError.notFound }
            let released: Int64 = next == .canceled || next == .failed ? current.amount : 0
            let invoices = try await connection.query(
                """
                UPDATE invoices SET refunded_minor = refunded_minor - \(released),
                    status = CASE
                        WHEN status NOT IN ('paid', 'partially_refunded', 'refunded') THEN status
                        WHEN accepted.total >= amount_minor THEN 'refunded'
                        WHEN accepted.total > 0 THEN 'partially_refunded'
                        ELSE 'paid' END,
                    updated_at = now()
                FROM (
                    SELECT COALESCE(sum(amount_minor), 0) AS total FROM refunds
                    WHERE invoice_id = \(refund.invoiceID) AND status IN ('created', 'completed')
                ) AS accepted
                WHERE id = \(refund.invoiceID)
                RETURNING \(unescaped: Invoice.columns)
                """,
                logger: logger
            )
            guard let invoice = try await Invoice.decode(invoices).first else { throw InvoiceError.notFound }
            var events: [HostEventType] = []
            if current.status == .pending, next.isAccepted { events.append(.invoiceRefunded) }
            if next == .completed { events.append(.refundCompleted) }
            if next == .canceled { events.append(.refundCanceled) }
            for type in events {
                try await EventLog.append(
                    type, tenant: tenant, invoiceID: invoice.id, reservationID: invoice.reservationID,
                    data: EventData(invoice: invoice, refund: moved), on: connection, logger: logger
                )
            }
            if next == .created {
                try await RefundPollSchedule.add(refund.id, of: tenant, on: connection, logger: logger)
            } else {
                try await RefundPollSchedule.remove(refund.id, of: tenant, on: connection, logger: logger)
            }
            try await PendingCreations.remove(refund.id, kind: .refund, of: tenant, on: connection, logger: logger)
            logger.info(
                "refund status changed",
                metadata: [
                    "tenant.id": "\(tenant)", "invoice.id": "\(refund.invoiceID)", "refund.id": "\(refund.id)",
                    "from": "\(current.status.rawValue)", "to": "\(next.rawValue)",
                ]
            )
            return moved
        }
    }
}
