import FolioDomain
import Foundation
import Logging
import PostgresNIO
import TenantRegistry

/// The rows of `folio.reconciliation_schedule`: open and held invoices to re-read from the
/// provider if no notification settles them first. Written and removed in the transaction that
/// moves the invoice, like the outbox (a creation's settling writes its row with the recovery
/// queue's).
package enum ReconciliationSchedule {
    /// The first look, when no notification came this long after the invoice opened.
    static let firstCheck = 15 * 60

    /// Whether an invoice in `status` stays scheduled: an open one may still be paid, and a held
    /// one captured or released, without a notification reaching Folio.
    package static func keeps(_ status: InvoiceStatus) -> Bool {
        status == .open || status == .held || status == .partiallyPaid
    }

    /// `remove` as a common table expression, for `EventLog.append(…alongside:)`.
    static func removal(of invoiceID: UUID, of tenant: TenantID) -> PostgresQuery {
        "unscheduled AS (DELETE FROM folio.reconciliation_schedule WHERE tenant_id = \(tenant.rawValue) AND invoice_id = \(invoiceID))"
    }

    static func remove(_ invoiceID: UUID, of tenant: TenantID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.run(expressions: removal(of: invoiceID, of: tenant), logger: logger)
    }
}
