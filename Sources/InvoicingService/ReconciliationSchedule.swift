import FolioDomain
import Foundation
import Logging
import PostgresNIO

/// The rows of `folio.reconciliation_schedule`: open invoices to re-read from the provider if no
/// notification settles them first. Written and removed in the transaction that moves the
/// invoice, like the outbox.
enum ReconciliationSchedule {
    /// The first look, when no notification came this long after the invoice opened.
    static let firstCheck = 15 * 60

    static func add(_ invoice: Invoice, of tenant: TenantID, on connection: PostgresConnection, logger: Logger) async throws {
        let firstCheck = Self.firstCheck
        try await connection.query(
            """
            INSERT INTO folio.reconciliation_schedule (tenant_id, invoice_id, due_at, expires_at)
            VALUES (\(tenant.rawValue), \(invoice.id), least(now() + \(firstCheck) * interval '1 second', \(invoice.expiresAt) + interval '1 minute'),
                    \(invoice.expiresAt))
            ON CONFLICT (tenant_id, invoice_id) DO NOTHING
            """,
            logger: logger
        )
    }

    static func remove(_ invoiceID: UUID, of tenant: TenantID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "DELETE FROM folio.reconciliation_schedule WHERE tenant_id = \(tenant.rawValue) AND invoice_id = \(invoiceID)",
            logger: logger
        )
    }
}
