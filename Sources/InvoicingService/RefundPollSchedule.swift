import FolioDomain
import Foundation
import Logging
import PostgresNIO

/// The rows of `folio.refund_poll_schedule`: refunds the provider accepted whose final status
/// (`completed` or `canceled`) Folio has not learnt yet, for the refund poller to read. The
/// provider sends no notification for refunds, so this is the only way to learn it. Written and
/// removed in the transaction that moves the refund, like the outbox.
enum RefundPollSchedule {
    /// The first look after the provider accepted a refund; it takes minutes to days to complete.
    static let firstCheck = 15 * 60

    static func add(_ refundID: UUID, of tenant: TenantID, on connection: PostgresConnection, logger: Logger) async throws {
        let firstCheck = Self.firstCheck
        try await connection.query(
            """
            INSERT INTO folio.refund_poll_schedule (tenant_id, refund_id, due_at)
            VALUES (\(tenant.rawValue), \(refundID), now() + \(firstCheck) * interval '1 second')
            ON CONFLICT (tenant_id, refund_id) DO NOTHING
            """,
            logger: logger
        )
    }

    static func remove(_ refundID: UUID, of tenant: TenantID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "DELETE FROM folio.refund_poll_schedule WHERE tenant_id = \(tenant.rawValue) AND refund_id = \(refundID)",
            logger: logger
        )
    }
}
