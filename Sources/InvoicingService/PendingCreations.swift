import FolioDomain
import Foundation
import Logging
import PostgresNIO

/// The rows of `folio.pending_creations`: an invoice, refund or fulfilment committed as `pending`, or a paid proforma's tax invoice,
/// whose provider order (or shipment) may not exist yet. Each is written and removed inside the transaction that
/// commits or settles its record, on that transaction's connection.
enum PendingCreations {
    enum Kind: String {
        case invoice, refund, fulfilment
        /// An edit of an open invoice whose provider update may have gone through: `resource_id` is the edit's id.
        case edit
        /// The tax invoice of a paid proforma: `resource_id` is the invoice's id.
        case taxInvoice = "tax_invoice"
    }

    /// Queues the resource for the recovery job, after `delay` seconds, and ties it to the
    /// idempotency key of the request that creates it.
    static func enqueue(
        _ kind: Kind,
        _ id: UUID,
        of tenant: TenantID,
        after delay: Int,
        idempotencyKey: String?,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO folio.pending_creations (tenant_id, resource_id, kind, due_at)
            VALUES (\(tenant.rawValue), \(id), \(kind.rawValue), now() + \(delay) * interval '1 second')
            """,
            logger: logger
        )
        if let idempotencyKey {
            try await IdempotencyStore.attach(id, to: idempotencyKey, on: connection, logger: logger)
        }
    }

    /// The resource is settled: nothing is left for the recovery job. Only the row of `kind` goes:
    /// an invoice's creation and its tax invoice are queued under the same id, one after the other.
    static func remove(_ id: UUID, kind: Kind, of tenant: TenantID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "DELETE FROM folio.pending_creations WHERE tenant_id = \(tenant.rawValue) AND resource_id = \(id) AND kind = \(kind.rawValue)",
            logger: logger
        )
    }
}
