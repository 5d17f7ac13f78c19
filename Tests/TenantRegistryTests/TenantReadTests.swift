import FolioDomain
import FolioTestSupport
import Foundation
import PostgresNIO
import Synchronization
import Testing

@testable import TenantRegistry

/// Single-statement reads that name the tenant's tables directly, trusting what the directory
/// remembers of the tenant's schema.
@Suite struct TenantReadTests {
    let logger = TestDatabase.logger

    func count(_ directory: TenantDirectory, _ tenant: TenantID) async throws -> Int64 {
        try await directory.read(tenant) { schema in
            "SELECT count(*) FROM \(unescaped: schema.table("invoices"))"
        } decode: { rows in
            try await rows.decode(Int64.self).collect().first ?? -1
        }
    }

    @Test func aReadNamesOnlyItsOwnTenantsTables() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let busy = try await directory.register(TenantRegistration(externalID: "busy", displayName: nil)).tenant.id
            let quiet = try await directory.register(TenantRegistration(externalID: "quiet", displayName: nil)).tenant.id
            try await directory.withTenant(busy) { _ in }
            try await directory.withTenant(quiet) { _ in }
            try await client.query(
                """
                INSERT INTO \(unescaped: quotedIdentifier(busy.schemaName)).invoices (id, reservation_id, status, currency, amount_minor, vat_amount_minor, description)
                VALUES (\(UUID()), 'R-1', 'open', 'RUB', 100, 0, 'stay')
                """,
                logger: logger
            )
            #expect(try await count(directory, busy) == 1)
            #expect(try await count(directory, quiet) == 0)
        }
    }

    @Test func aTenantDeletedAfterItsSchemaWasRememberedIsNotFound() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            // Another replica's directory deletes it, so this one still remembers the schema.
            let elsewhere = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let tenant = try await directory.register(TenantRegistration(externalID: "leaving", displayName: nil)).tenant.id
            try await directory.withTenant(tenant) { _ in }
            directory.currentSchemas.forget(tenant)
            #expect(try await count(directory, tenant) == 0)
            #expect(directory.currentSchemas.schema(of: tenant) == tenant.schemaName)
            #expect(try await elsewhere.delete(tenant, actor: "test"))
            await #expect(throws: RegistryError.tenantNotFound(tenant)) { try await count(directory, tenant) }
            #expect(directory.currentSchemas.schema(of: tenant) == nil)
        }
    }

    @Test func aTenantWithoutASchemaReadsTheTemplateUntilAnotherReplicaMakesIt() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let elsewhere = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let tenant = try await directory.register(TenantRegistration(externalID: "new", displayName: nil)).tenant.id
            #expect(try await count(directory, tenant) == 0)
            #expect(directory.currentSchemas.schema(of: tenant) == nil)
            _ = try await elsewhere.withTenant(tenant) { connection in
                try await connection.query(
                    """
                    INSERT INTO invoices (id, reservation_id, status, currency, amount_minor, vat_amount_minor, description)
                    VALUES (\(UUID()), 'R-1', 'open', 'RUB', 100, 0, 'stay')
                    """,
                    logger: logger
                )
            }
            #expect(try await count(directory, tenant) == 1)
            #expect(directory.currentSchemas.schema(of: tenant) == tenant.schemaName)
        }
    }

    @Test func anUnknownTenantIsNotFoundAndNotRemembered() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let stranger = TenantID.random()
            await #expect(throws: RegistryError.tenantNotFound(stranger)) { try await count(directory, stranger) }
            #expect(directory.currentSchemas.count == 0)
        }
    }

    @Test func aSchemaBehindThisVersionIsRefusedAndNotRemembered() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let tenant = try await directory.register(TenantRegistration(externalID: "old", displayName: nil)).tenant.id
            try await directory.withTenant(tenant) { _ in }
            let newer = TestDatabase.migrations.tenant + [Migration(version: 9_001, name: "9001_later.sql", sql: "SELECT 1")]
            let upgraded = TenantDirectory(client: client, tenantMigrations: newer, logger: logger)
            await #expect(throws: RegistryError.tenantSchemaBehind(tenant)) { try await count(upgraded, tenant) }
            #expect(upgraded.currentSchemas.count == 0)
        }
    }

    @Test func everyCurrentSchemaIsRememberedAndNoOther() async throws {
        try await TestDatabase.withFresh { client in
            let elsewhere = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let written = try await elsewhere.register(TenantRegistration(externalID: "written", displayName: nil)).tenant.id
            let alsoWritten = try await elsewhere.register(TenantRegistration(externalID: "also-written", displayName: nil)).tenant.id
            let unwritten = try await elsewhere.register(TenantRegistration(externalID: "unwritten", displayName: nil)).tenant.id
            try await elsewhere.withTenant(written) { _ in }
            try await elsewhere.withTenant(alsoWritten) { _ in }

            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            #expect(try await directory.rememberCurrentSchemas(limit: 10) == 2)
            #expect(directory.currentSchemas.schema(of: written) == written.schemaName)
            #expect(directory.currentSchemas.schema(of: alsoWritten) == alsoWritten.schemaName)
            // Only a schema of its own is remembered: another replica may make it at any moment.
            #expect(directory.currentSchemas.schema(of: unwritten) == nil)

            let capped = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            #expect(try await capped.rememberCurrentSchemas(limit: 1) == 1)
            #expect(capped.currentSchemas.count == 1)

            let newer = TestDatabase.migrations.tenant + [Migration(version: 9_001, name: "9001_later.sql", sql: "SELECT 1")]
            let upgraded = TenantDirectory(client: client, tenantMigrations: newer, logger: logger)
            #expect(try await upgraded.rememberCurrentSchemas(limit: 10) == 0)
            #expect(upgraded.currentSchemas.count == 0)
        }
    }

    @Test func aLoadedSchemaIsReadWithoutTheRegistry() async throws {
        try await TestDatabase.withFresh { client in
            let elsewhere = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let tenant = try await elsewhere.register(TenantRegistration(externalID: "busy", displayName: nil)).tenant.id
            try await elsewhere.withTenant(tenant) { _ in }
            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            _ = try await directory.rememberCurrentSchemas(limit: 10)
            // The registry's row now says the schema is behind: a read that asked it would refuse.
            try await client.query("UPDATE folio.tenants SET schema_version = 1 WHERE id = \(tenant.rawValue)", logger: logger)
            #expect(try await count(directory, tenant) == 0)
            let fresh = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            await #expect(throws: RegistryError.tenantSchemaBehind(tenant)) { try await count(fresh, tenant) }
        }
    }

    @Test func aRememberedTenantIsRegisteredWithoutAsking() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let elsewhere = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let tenant = try await directory.register(TenantRegistration(externalID: "leaving", displayName: nil)).tenant.id
            #expect(try await directory.isRegistered(tenant))
            #expect(try await !directory.isRegistered(TenantID.random()))
            try await directory.withTenant(tenant) { _ in }
            #expect(try await elsewhere.delete(tenant, actor: "test"))
            // Still remembered here, as documented: the caller's unit of work finds it gone.
            #expect(try await directory.isRegistered(tenant))
            #expect(try await !elsewhere.isRegistered(tenant))
            await #expect(throws: RegistryError.tenantNotFound(tenant)) { try await directory.withTenant(tenant) { _ in } }
        }
    }

    @Test func rememberedSchemasExpire() {
        let clock = ManualInstant()
        let schemas = CurrentSchemas(timeToLive: .seconds(10), now: { clock.now })
        let tenant = TenantID.random()
        schemas.remember(tenant, schema: tenant.schemaName)
        clock.advance(by: .seconds(9))
        #expect(schemas.schema(of: tenant) == tenant.schemaName)
        clock.advance(by: .seconds(2))
        #expect(schemas.schema(of: tenant) == nil)
        #expect(schemas.count == 0)
    }

    @Test func aLoadRefreshesWhatItLoadsAndSweepsWhatExpired() {
        let clock = ManualInstant()
        let schemas = CurrentSchemas(timeToLive: .seconds(10), now: { clock.now })
        let (kept, dropped) = (TenantID.random(), TenantID.random())
        schemas.remember(kept, schema: kept.schemaName)
        schemas.remember(dropped, schema: dropped.schemaName)
        clock.advance(by: .seconds(9))
        schemas.remember([(tenant: kept, schema: kept.schemaName)])
        clock.advance(by: .seconds(2))
        // Loaded again 2 s ago: kept; the other expired and is swept by the next load.
        #expect(schemas.schema(of: kept) == kept.schemaName)
        schemas.remember([(tenant: kept, schema: kept.schemaName)])
        #expect(schemas.count == 1)
    }
}

/// A `ContinuousClock` instant that moves only when told.
private final class ManualInstant: Sendable {
    private let current = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { current.withLock { $0 } }
    func advance(by duration: Duration) { current.withLock { $0 = $0.advanced(by: duration) } }
}
