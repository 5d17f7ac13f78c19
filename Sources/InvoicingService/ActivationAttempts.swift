import FolioDomain
import Foundation
import Logging
import PostgresNIO
import TenantRegistry

/// How many activation codes one tenant may try in a window: a code is a few digits, so tries
/// without a limit would find one, and each try spends the partner account's shared quota.
package struct ActivationAttemptLimit: Sendable {
    package var attempts: Int
    package var window: TimeInterval

    package init(attempts: Int, window: TimeInterval) {
        self.attempts = max(1, attempts)
        self.window = window
    }

    package static let standard = ActivationAttemptLimit(attempts: 5, window: 15 * 60)
}

/// The attempts themselves, in `folio.activation_attempts`, so that the limit holds across
/// replicas and restarts.
enum ActivationAttempts {
    /// Records an attempt of `tenant` at `now`, or throws `tooManyAttempts` when the window is
    /// full. Counted and recorded under the tenant's invoicing lock, so that concurrent attempts
    /// cannot all pass the count.
    static func book(_ tenant: TenantID, limit: ActivationAttemptLimit, now: Date, client: PostgresClient, logger: Logger) async throws {
        try await translatingDatabaseFailures(into: InvoicingError.databaseFailed) {
            let windowStart = now.addingTimeInterval(-limit.window)
            try await client.inTransaction(logger: logger) { connection in
                _ = try await InvoicingSetup.lockInvoicing(of: tenant, on: connection, logger: logger)
                try await connection.query(
                    "DELETE FROM folio.activation_attempts WHERE tenant_id = \(tenant.rawValue) AND attempted_at <= \(windowStart)",
                    logger: logger
                )
                let rows = try await connection.query(
                    """
                    SELECT count(*), min(attempted_at) FROM folio.activation_attempts
                    WHERE tenant_id = \(tenant.rawValue) AND attempted_at > \(windowStart)
                    """,
                    logger: logger
                )
                let recent: (count: Int64, oldest: Date?) = try await rows.decode((Int64, Date?).self).collect().first ?? (0, nil)
                if recent.count >= limit.attempts {
                    let frees = (recent.oldest ?? now).addingTimeInterval(limit.window)
                    throw InvoicingError.tooManyAttempts(retryAfterSeconds: max(1, Int(frees.timeIntervalSince(now).rounded(.up))))
                }
                try await connection.query(
                    "INSERT INTO folio.activation_attempts (tenant_id, attempted_at) VALUES (\(tenant.rawValue), \(now))",
                    logger: logger
                )
            }
        }
    }

    /// Gives back an attempt booked at `bookedAt` whose code the provider never judged.
    static func release(_ tenant: TenantID, bookedAt: Date, client: PostgresClient, logger: Logger) async throws {
        try await client.query(
            """
            DELETE FROM folio.activation_attempts WHERE ctid = (
                SELECT ctid FROM folio.activation_attempts WHERE tenant_id = \(tenant.rawValue) AND attempted_at = \(bookedAt) LIMIT 1
            )
            """,
            logger: logger
        )
    }
}
