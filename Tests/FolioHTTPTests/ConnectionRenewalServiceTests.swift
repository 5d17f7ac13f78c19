import FolioApp
import FolioTestSupport
import Logging
import PostgresNIO
import ServiceLifecycle
import TenantRegistry
import Testing

/// The renewal service ends the pool's connections as their lifetime comes round, while the pool
/// goes on answering, and stops with the service group.
@Suite struct ConnectionRenewalServiceTests {
    @Test func connectionsEndAsTheirLifetimeComesRoundAndTheServiceStopsOnShutdown() async throws {
        try await TestDatabase.withFresh(migrated: false, maximumConnections: 2) { client in
            let logger = TestDatabase.logger
            func serverProcess() async throws -> Int32 {
                try await client.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self).collect().first ?? 0
            }
            let first = try await serverProcess()
            // Two connections over 400 ms: one renewed every 200 ms.
            let renewal = ConnectionRenewal(client: client, lifetime: .milliseconds(400), connections: 2, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [renewal], gracefulShutdownSignals: [], logger: logger))
            let running = Task { try await group.run() }
            let ended = try await eventually("the first connection's server process ends", timeout: .seconds(10)) {
                let rows = try await client.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(first)", logger: logger)
                return try await rows.decode(Int64.self).collect().first == 0
            }
            #expect(ended)
            #expect(try await serverProcess() != first)
            await group.triggerGracefulShutdown()
            try await running.value
        }
    }
}
