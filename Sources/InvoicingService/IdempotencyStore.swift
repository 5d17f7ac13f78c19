import FolioDomain
import Foundation
import Logging
import PostgresNIO
import TenantRegistry

/// The first response to each `Idempotency-Key` of a tenant, replayed when the request comes again.
///
/// A key is claimed with a lease, in the name of the replica that runs the request: while it
/// runs, a duplicate is told so (409). A request that ends without a definite answer (the
/// provider unreachable) lets the lease go, and the next attempt with the key resumes the
/// resource the first one recorded. A request whose replica died (its heartbeat in
/// `folio.replicas` silent for `presumedDeadAfterSeconds`, or gone) is taken over at once, without
/// waiting for the lease, which only bounds a request that hangs in a live replica.
package struct IdempotencyStore: Sendable {
    let tenants: TenantDirectory
    let logger: Logger
    /// Longer than any request may run, so a live request is never taken over.
    let lease: Int
    /// The replica whose requests this store claims keys for; its heartbeat keeps them held.
    /// Without one (tools and tests that run no heartbeat) a key is held for the whole lease.
    let replicaID: UUID?
    let presumedDeadAfterSeconds: Int
    /// How long a key is kept after its first use.
    package static let retentionHours = 24

    package init(
        tenants: TenantDirectory,
        logger: Logger,
        leaseSeconds: Int = 120,
        replicaID: UUID? = nil,
        presumedDeadAfterSeconds: Int = ReplicaHeartbeat.presumedDeadAfterSeconds
    ) {
        self.tenants = tenants
        self.logger = logger
        self.lease = leaseSeconds
        self.replicaID = replicaID
        self.presumedDeadAfterSeconds = presumedDeadAfterSeconds
    }

    package enum Claim: Sendable, Equatable {
        /// The request runs now; `resuming` is what an earlier, unfinished attempt created.
        case claimed(resuming: UUID?)
        /// The first request finished: answer exactly this again.
        case replay(status: Int, body: Data)
        /// The first request is still running.
        case inFlight
        /// The key was used for another request.
        case reused
    }

    package func claim(_ tenant: TenantID, key: String, fingerprint: Data) async throws -> Claim {
        let lease = self.lease
        let retention = Self.retentionHours
        let replica = replicaID
        let silence = presumedDeadAfterSeconds
        return try await tenants.withTenant(tenant) { connection in
            // A key older than the retention is forgotten, as if never used.
            try await connection.query(
                """
                DELETE FROM idempotency_records
                WHERE idempotency_key = \(key) AND created_at < now() - \(retention) * interval '1 hour'
                """,
                logger: logger
            )
            let inserted = try await connection.query(
                """
                INSERT INTO idempotency_records (idempotency_key, request_fingerprint, locked_until, owner_replica)
                VALUES (\(key), \(fingerprint), now() + \(lease) * interval '1 second', \(replica))
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING 1
                """,
                logger: logger
            )
            if try await inserted.firstElement() != nil { return .claimed(resuming: nil) }
            // Held while the lease runs and its owner lives: this replica, one whose heartbeat is
            // recent, or an owner no replica recorded (a record from before owners were kept).
            let rows = try await connection.query(
                """
                SELECT record.request_fingerprint, record.response_status, record.response_body, record.resource_id,
                    record.locked_until > now() AND (
                        record.owner_replica IS NULL OR record.owner_replica = \(replica)
                        OR EXISTS (
                            SELECT 1 FROM folio.replicas AS owner
                            WHERE owner.id = record.owner_replica AND owner.heartbeat_at > now() - \(silence) * interval '1 second'
                        )
                    )
                FROM idempotency_records AS record WHERE record.idempotency_key = \(key) FOR UPDATE OF record
                """,
                logger: logger
            )
            for try await (stored, status, body, resource, locked) in rows.decode((Data, Int?, Data?, UUID?, Bool?).self) {
                guard stored == fingerprint else { return .reused }
                if let status { return .replay(status: status, body: body ?? Data()) }
                if locked == true { return .inFlight }
                try await connection.query(
                    """
                    UPDATE idempotency_records SET locked_until = now() + \(lease) * interval '1 second', owner_replica = \(replica)
                    WHERE idempotency_key = \(key)
                    """,
                    logger: logger
                )
                return .claimed(resuming: resource)
            }
            // Deleted between the two statements by a concurrent expiry: treat as in flight, the caller retries.
            return .inFlight
        }
    }

    /// Records what the request created, inside the transaction that creates it. A key whose
    /// lease was taken over by a later attempt already names a resource: this attempt then
    /// rolls back rather than make a second one.
    package static func attach(_ resource: UUID, to key: String, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            UPDATE idempotency_records SET resource_id = \(resource)
            WHERE idempotency_key = \(key) AND resource_id IS NULL RETURNING 1
            """,
            logger: logger
        )
        guard try await rows.firstElement() != nil else { throw IdempotencyError.leaseLost }
    }

    /// Records the answer; every later request with the key gets it.
    package func complete(_ tenant: TenantID, key: String, status: Int, body: Data) async throws {
        _ = try await tenants.withTenant(tenant) { connection in
            try await connection.query(
                """
                UPDATE idempotency_records SET response_status = \(status), response_body = \(body), locked_until = NULL
                WHERE idempotency_key = \(key)
                """,
                logger: logger
            )
        }
    }

    /// Gives the key up without an answer, so that the next attempt may run (and resume).
    package func release(_ tenant: TenantID, key: String) async throws {
        _ = try await tenants.withTenant(tenant) { connection in
            try await connection.query(
                "UPDATE idempotency_records SET locked_until = now() WHERE idempotency_key = \(key) AND response_status IS NULL",
                logger: logger
            )
        }
    }
}

package enum IdempotencyError: Error, Equatable, Sendable, LogSafeError {
    /// Another attempt with the same key took over while this one was slow.
    case leaseLost
}
