import FolioDomain
import Foundation
import Logging
import PostgresNIO
import TenantRegistry

/// A registry table of things to read from the provider again later (open invoices, accepted
/// refunds), each row keyed by tenant and id with a due time and a count of attempts. The jobs
/// that work through one share how rows are leased, spaced out and removed.
///
/// Due rows are leased under `FOR UPDATE SKIP LOCKED`, so replicas share the work, and a pass
/// takes at most `perShop` rows of one tenant: the provider allows each shop 100 requests per
/// 30 s, and these reads must leave most of that to the host's own requests.
struct ProviderReadSchedule: Sendable {
    /// Folio's own names, never input: `folio.reconciliation_schedule` and `invoice_id`, say.
    let table: String
    let idColumn: String
    let client: PostgresClient
    let logger: Logger
    let batchSize: Int
    let perShop: Int
    /// How long a leased row is left to the replica reading it; a read that fails waits this
    /// long times its attempts (at most `longestWait`) before the next.
    let leaseSeconds: Int
    /// The longest wait between two reads of one row.
    let longestWait: Int

    /// Leases the rows due now and returns them with the attempts made so far, this one included.
    func leaseDue() async throws -> [(tenant: TenantID, id: UUID, attempts: Int)] {
        let rows = try await client.query(
            """
            UPDATE \(unescaped: table) AS r
            SET due_at = now() + least(\(leaseSeconds) * (r.attempts + 1), \(longestWait)) * interval '1 second', attempts = r.attempts + 1
            FROM (
                SELECT tenant_id, \(unescaped: idColumn) FROM \(unescaped: table)
                WHERE (tenant_id, \(unescaped: idColumn)) IN (
                    SELECT tenant_id, \(unescaped: idColumn) FROM (
                        SELECT tenant_id, \(unescaped: idColumn), row_number() OVER (PARTITION BY tenant_id ORDER BY due_at) AS place
                        FROM \(unescaped: table) WHERE due_at <= now()
                    ) AS ranked
                    WHERE place <= \(perShop)
                )
                AND due_at <= now()
                ORDER BY due_at LIMIT \(batchSize)
                FOR UPDATE SKIP LOCKED
            ) AS due
            WHERE r.tenant_id = due.tenant_id AND r.\(unescaped: idColumn) = due.\(unescaped: idColumn)
            RETURNING r.tenant_id, r.\(unescaped: idColumn), r.attempts
            """,
            logger: logger
        )
        return try await rows.decode((UUID, UUID, Int).self).collect().map { tenant, id, attempts in
            (TenantID(tenant), id, attempts)
        }
    }

    /// The wait before the next read of a row not settled yet: 15 minutes after the first read,
    /// then twice as long each time, up to `longestWait`.
    func waitSeconds(afterAttempts attempts: Int) -> Int {
        min(longestWait, 15 * 60 * (1 << min(attempts, 20)))
    }

    func remove(_ tenant: TenantID, _ id: UUID) async throws {
        try await client.query(
            "DELETE FROM \(unescaped: table) WHERE tenant_id = \(tenant.rawValue) AND \(unescaped: idColumn) = \(id)",
            logger: logger
        )
    }
}
