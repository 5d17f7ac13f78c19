import FolioApp
import FolioDomain
import FolioTestSupport
import Logging
import ServiceLifecycle
import Testing

@testable import TenantRegistry

/// The warmer loads every current schema into the directory once the start-up checks are done,
/// so a replica's first list for a tenant skips the registry, and stops with the service group.
@Suite struct TenantSchemaWarmerTests {
    @Test func aStartedReplicaRemembersSchemasMadeBeforeItAndStopsOnShutdown() async throws {
        try await TestDatabase.withFresh { client in
            let logger = TestDatabase.logger
            let elsewhere = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let tenant = try await elsewhere.register(TenantRegistration(externalID: "busy", displayName: nil)).tenant.id
            try await elsewhere.withTenant(tenant) { _ in }

            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            #expect(directory.currentSchemas.schema(of: tenant) == nil)
            let group = ServiceGroup(
                configuration: .init(services: [TenantSchemaWarmer(tenants: directory, logger: logger)], gracefulShutdownSignals: [], logger: logger))
            let running = Task { try await group.run() }
            var waited = 0
            while directory.currentSchemas.schema(of: tenant) == nil, waited < 100 {
                try await Task.sleep(for: .milliseconds(50))
                waited += 1
            }
            #expect(directory.currentSchemas.schema(of: tenant) == tenant.schemaName)
            await group.triggerGracefulShutdown()
            try await running.value
        }
    }
}
