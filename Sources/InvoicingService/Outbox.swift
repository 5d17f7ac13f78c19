import FolioDomain
import Foundation
import Logging
import PostgresNIO
import TenantRegistry

/// The delivery side of the outbox (`EventLog` appends to it): claims due events under a lease
/// and records each attempt's outcome.
///
/// A claim takes due events under `FOR UPDATE SKIP LOCKED`, only the oldest pending event of each
/// invoice, and leases them (pushes their next attempt past the delivery time). Replicas
/// therefore never hold the same event, and the second event of an invoice waits until the first
/// is delivered or dead. An outcome is recorded only while the event still carries the claim's
/// lease token; an event whose lease lapsed goes to whichever replica claims it next.
package struct Outbox: Sendable {
    let client: PostgresClient
    let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Up to `limit` due events, leased for `lease` under `token`.
    package func claim(token: UUID, lease: Duration, limit: Int) async throws -> [HostEvent] {
        let leaseMilliseconds = lease.wholeMilliseconds
        return try await EventLog.decode(
            client.query(
                """
                UPDATE folio.events AS e SET next_attempt_at = now() + \(leaseMilliseconds) * interval '1 millisecond', lease_token = \(token)
                FROM (
                    SELECT c.id FROM folio.events AS c
                    WHERE c.delivery = 'pending' AND c.next_attempt_at <= now()
                      AND NOT EXISTS (
                          SELECT 1 FROM folio.events AS p
                          WHERE p.tenant_id = c.tenant_id AND p.ordering_key = c.ordering_key
                            AND p.delivery = 'pending' AND p.sequence < c.sequence
                      )
                    ORDER BY c.next_attempt_at LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                ) AS due
                WHERE e.id = due.id
                RETURNING \(unescaped: HostEvent.columns(prefix: "e."))
                """,
                logger: logger
            ))
    }

    /// Marks the event delivered and records the attempt.
    package func recordDelivered(_ event: HostEvent, token: UUID, started: Date, milliseconds: Int64, status: Int?) async throws {
        try await client.query(
            """
            WITH updated AS (
                UPDATE folio.events SET delivery = 'delivered', delivered_at = now(), attempts = attempts + 1,
                    first_attempt_at = coalesce(first_attempt_at, \(started)), lease_token = NULL, last_error = NULL
                WHERE id = \(event.id) AND lease_token = \(token)
                RETURNING id, attempts
            )
            INSERT INTO folio.event_deliveries (event_id, attempt, started_at, duration_ms, http_status, outcome)
            SELECT id, attempts, \(started), \(milliseconds), \(status), 'delivered' FROM updated
            """,
            logger: logger
        )
    }

    /// Records the failed attempt and schedules the next one after `wait`, or marks the event dead
    /// once `retryWindow` has passed since its first attempt. Returns `retry`, `dead`, or
    /// `lease lost` when another replica holds the event now.
    package func recordFailure(
        _ event: HostEvent, token: UUID, started: Date, milliseconds: Int64, status: Int?, error: String,
        wait: Duration, retryWindow: Duration
    ) async throws -> String {
        let window = retryWindow.wholeMilliseconds
        let waitMilliseconds = wait.wholeMilliseconds
        let rows = try await client.query(
            """
            WITH updated AS (
                UPDATE folio.events SET attempts = attempts + 1, lease_token = NULL, last_error = \(error),
                    first_attempt_at = coalesce(first_attempt_at, \(started)),
                    delivery = CASE WHEN coalesce(first_attempt_at, \(started)) + \(window) * interval '1 millisecond' <= now()
                                    THEN 'dead' ELSE 'pending' END,
                    next_attempt_at = now() + \(waitMilliseconds) * interval '1 millisecond'
                WHERE id = \(event.id) AND lease_token = \(token)
                RETURNING id, attempts, delivery, next_attempt_at
            )
            INSERT INTO folio.event_deliveries (event_id, attempt, started_at, duration_ms, http_status, error, outcome, next_attempt_at)
            SELECT id, attempts, \(started), \(milliseconds), \(status), \(error),
                   CASE WHEN delivery = 'dead' THEN 'dead' ELSE 'retry' END,
                   CASE WHEN delivery = 'pending' THEN next_attempt_at END
            FROM updated
            RETURNING outcome
            """,
            logger: logger
        )
        return try await rows.decode(String.self).firstElement() ?? "lease lost"
    }

    /// Puts dead events (of one tenant, or of all) back in the delivery queue, due now and with
    /// a new retry window; their earlier attempts stay recorded. Returns how many.
    package static func redeliverDead(of tenant: TenantID?, client: PostgresClient, logger: Logger) async throws -> Int {
        let rows = try await client.query(
            """
            UPDATE folio.events SET delivery = 'pending', next_attempt_at = now(), first_attempt_at = NULL, lease_token = NULL
            WHERE delivery = 'dead' AND (\(tenant?.rawValue)::uuid IS NULL OR tenant_id = \(tenant?.rawValue))
            RETURNING 1
            """,
            logger: logger
        )
        return try await rows.count()
    }
}
