import FolioDomain
import FolioTestSupport
import Foundation
import InvoicingService
import PostgresNIO
import TenantRegistry
import Testing

/// Who holds an `Idempotency-Key` in flight: the replica running the request, for as long as its
/// heartbeat goes on.
@Suite struct IdempotencyOwnerTests {
    static func withTenant(_ body: @escaping @Sendable (PostgresClient, TenantDirectory, TenantID) async throws -> Void) async throws {
        try await TestDatabase.withFresh { database in
            let tenants = TenantDirectory(client: database, tenantMigrations: TestDatabase.migrations.tenant, logger: TestDatabase.logger)
            let tenant = try await tenants.register(TenantRegistration(externalID: "idempotency-owner", displayName: nil)).tenant.id
            try await body(database, tenants, tenant)
        }
    }

    @Test func aKeyIsHeldWhileItsReplicaBeatsAndTakenOverOnceItFallsSilent() async throws {
        try await Self.withTenant { database, tenants, tenant in
            let first = ReplicaHeartbeat(client: database, logger: TestDatabase.logger)
            let second = ReplicaHeartbeat(client: database, logger: TestDatabase.logger)
            try await first.beat()
            try await second.beat()
            // A generous silence: the live replica cannot be presumed dead while the test runs.
            let silence = 3600
            let running = IdempotencyStore(
                tenants: tenants, logger: TestDatabase.logger, replicaID: first.replicaID, presumedDeadAfterSeconds: silence
            )
            let retrying = IdempotencyStore(
                tenants: tenants, logger: TestDatabase.logger, replicaID: second.replicaID, presumedDeadAfterSeconds: silence
            )
            let fingerprint = Data("request".utf8)
            #expect(try await running.claim(tenant, key: "k-1", fingerprint: fingerprint) == .claimed(resuming: nil))
            #expect(try await retrying.claim(tenant, key: "k-1", fingerprint: fingerprint) == .inFlight)
            // Its own replica sees the key held too (a duplicate sent to the same process).
            #expect(try await running.claim(tenant, key: "k-1", fingerprint: fingerprint) == .inFlight)
            // The first replica dies: its heartbeat stops, and is now older than the silence.
            try await database.query(
                "UPDATE folio.replicas SET heartbeat_at = now() - \(silence + 1) * interval '1 second' WHERE id = \(first.replicaID)",
                logger: TestDatabase.logger
            )
            #expect(try await retrying.claim(tenant, key: "k-1", fingerprint: fingerprint) == .claimed(resuming: nil))
            // Taken over in the retrying replica's name: held again while that one lives.
            #expect(try await running.claim(tenant, key: "k-1", fingerprint: fingerprint) == .inFlight)
        }
    }
}
