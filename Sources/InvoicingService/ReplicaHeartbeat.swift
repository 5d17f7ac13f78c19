import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Proves that this process is alive, in `folio.replicas`, every few seconds.
///
/// Work this process holds under a lease meant to outlast its slowest request (an idempotency
/// key in flight) is taken over by another attempt as soon as the heartbeat has been silent for
/// `presumedDeadAfterSeconds`: a crash then costs a retry seconds, not the whole lease, while a
/// slow request of a live process is never run twice.
package struct ReplicaHeartbeat: Service {
    /// This process's id, written as the owner of what it leases.
    package let replicaID: UUID
    let client: PostgresClient
    let logger: Logger
    let interval: Duration

    /// Seven missed beats at the default interval: a beat waits for a pooled connection, so a
    /// saturated pool must not make a live replica look dead (its slow provider call would then
    /// run twice); still short enough that a retry after a crash succeeds within seconds.
    package static let presumedDeadAfterSeconds = 15
    /// Rows of replicas gone this long are removed at start.
    static let forgottenAfterHours = 24

    /// The clock its pauses are measured on; a test steps it by hand.
    let clock: any Clock<Duration>

    package init(
        client: PostgresClient, logger: Logger, replicaID: UUID = UUID(), interval: Duration = .seconds(2),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.clock = clock
        self.replicaID = replicaID
        self.client = client
        self.logger = logger
        self.interval = interval
    }

    /// Records that this replica is alive now.
    package func beat() async throws {
        try await client.query(
            """
            INSERT INTO folio.replicas (id, heartbeat_at) VALUES (\(replicaID), now())
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()
            """,
            logger: logger
        )
    }

    package func run() async throws {
        do {
            try await client.query(
                "DELETE FROM folio.replicas WHERE heartbeat_at < now() - \(Self.forgottenAfterHours) * interval '1 hour'",
                logger: logger
            )
        } catch {
            logger.debug("old replicas not removed", metadata: FailureReport.metadata(error, operation: "replica.heartbeat"))
        }
        // The server is shut down before this service, so no request of this replica is still
        // running when the beats stop; the silence then frees whatever a crash left.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await beat()
                } catch {
                    logger.warning("replica heartbeat not recorded", metadata: FailureReport.metadata(error, operation: "replica.heartbeat"))
                }
                try? await clock.sleep(for: interval)
            }
        }
    }
}
