import FolioDomain
import Foundation
import InvoicingService
import Logging
import PostgresNIO
import ServiceLifecycle
import TenantRegistry

/// Deletes what is only kept for a while: every tenant's notifications and idempotency records,
/// the registry's delivery attempts, and delivered events, each once older than `days`; and the
/// notification keys a rotation replaced, once their grace period is over.
///
/// Pending events are never deleted, nor are dead ones (they wait for `folio events
/// redeliver-dead`). Deleting old delivered events leaves the feed's numbering as it was: the
/// counter is kept in `folio.event_streams`, so new events go on from the last number and
/// `after=N` still returns every retained event after N.
///
/// Rows go in batches of `batchSize`, each its own transaction, so a pass never holds long locks;
/// replicas may run passes at the same time.
package struct DataRetention: Service {
    let client: PostgresClient
    let tenants: TenantDirectory
    let days: Int
    let batchSize: Int
    let interval: Duration
    let logger: Logger
    /// The clock its pauses are measured on; a test steps it by hand.
    let clock: any Clock<Duration>

    package init(
        client: PostgresClient, tenants: TenantDirectory, days: Int, logger: Logger,
        batchSize: Int = 1_000, interval: Duration = .seconds(3600), clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.clock = clock
        self.client = client
        self.tenants = tenants
        self.days = max(1, days)
        self.batchSize = max(1, batchSize)
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        await runPasses(pausing: interval, clock: clock, logger: logger, operation: "retention.pass", failure: "retention pass failed") { try await runOnce() }
    }

    /// One pass over the registry and every tenant; returns how many rows were deleted.
    @discardableResult
    package func runOnce() async throws -> Int {
        let days = Int32(clamping: days)
        let limit = Int64(batchSize)
        var deleted = try await inRowBatches {
            try await client.query(
                """
                DELETE FROM folio.event_deliveries WHERE (event_id, attempt) IN (
                    SELECT event_id, attempt FROM folio.event_deliveries
                    WHERE started_at < now() - make_interval(days => \(days)) LIMIT \(limit)
                ) RETURNING 1
                """,
                logger: logger
            )
        }
        deleted += try await inRowBatches {
            try await client.query(
                """
                DELETE FROM folio.events WHERE id IN (
                    SELECT id FROM folio.events
                    WHERE delivery = 'delivered' AND created_at < now() - make_interval(days => \(days)) LIMIT \(limit)
                ) AND delivery = 'delivered' RETURNING 1
                """,
                logger: logger
            )
        }
        deleted += try await InvoicingSetup.destroyExpiredNotificationKeys(client: client, actor: "retention", logger: logger)
        var after = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        while true {
            let page = try await client.query(
                // A tenant without a schema has nothing to prune, and a write here would make one.
                "SELECT id FROM folio.tenants WHERE id > \(after) AND schema_version IS NOT NULL ORDER BY id LIMIT 500", logger: logger
            ).decode(UUID.self).collect()
            for id in page {
                do {
                    deleted += try await prune(TenantID(id), days: days, limit: limit)
                } catch RegistryError.tenantNotFound, RegistryError.tenantSchemaBehind {
                    // Deleted meanwhile, or not migrated yet: the next pass takes it.
                    continue
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    // One tenant's failure (a lock timeout, say) must not leave the others unpruned.
                    FailureReport.record(error, "tenant records not pruned", operation: "retention.prune", tenant: TenantID(id), logger: logger)
                }
            }
            guard let last = page.last, page.count == 500 else { break }
            after = last
        }
        if deleted > 0 {
            logger.info("old records deleted", metadata: ["rows": "\(deleted)", "retention.days": "\(days)"])
        }
        return deleted
    }

    private func prune(_ tenant: TenantID, days: Int32, limit: Int64) async throws -> Int {
        let notifications = try await inBatches {
            try await tenants.withTenant(tenant) { connection in
                try await connection.query(
                    """
                    DELETE FROM notifications WHERE id IN (
                        SELECT id FROM notifications WHERE received_at < now() - make_interval(days => \(days)) LIMIT \(limit)
                    ) RETURNING 1
                    """,
                    logger: logger
                ).count()
            }
        }
        let idempotency = try await inBatches {
            try await tenants.withTenant(tenant) { connection in
                try await connection.query(
                    """
                    DELETE FROM idempotency_records WHERE idempotency_key IN (
                        SELECT idempotency_key FROM idempotency_records
                        WHERE created_at < now() - make_interval(days => \(days)) LIMIT \(limit)
                    ) RETURNING 1
                    """,
                    logger: logger
                ).count()
            }
        }
        return notifications + idempotency
    }

    /// Repeats a batch until one deletes fewer than `batchSize` rows; returns the total.
    private func inBatches(_ batch: () async throws -> Int) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await batch()
            total += deleted
            if deleted < batchSize || Task.isCancelled { return total }
        }
    }

    private func inRowBatches(_ batch: () async throws -> PostgresRowSequence) async throws -> Int {
        try await inBatches { try await batch().count() }
    }
}
