import FolioDomain
import FolioTestSupport
import Foundation
import PostgresNIO
import Testing

@testable import TenantRegistry

@Suite struct MigrationRunnerTests {
    let migrations = TestDatabase.migrations
    let logger = TestDatabase.logger

    @Test func appliesEveryFileOnceAndThenNothing() async throws {
        try await TestDatabase.withFresh(migrated: false) { client in
            let runner = MigrationRunner(client: client, migrations: migrations, logger: logger)
            let first = try await runner.run()
            #expect(first.registryApplied == migrations.registry.count)
            #expect(try await runner.isUpToDate())

            let second = try await runner.run(verifyAll: true)
            #expect(second == MigrationRunner.Report())
            let recorded = try await client.scalar("SELECT count(*) FROM folio.schema_migrations", as: Int64.self)
            #expect(recorded == Int64(migrations.registry.count))
        }
    }

    @Test func resumesWhereAnEarlierRunStopped() async throws {
        try await TestDatabase.withFresh(migrated: false) { client in
            // An earlier run that got through the first files only, with tenants made meanwhile.
            let partial = MigrationSet(registry: migrations.registry, tenant: Array(migrations.tenant.prefix(1)))
            _ = try await MigrationRunner(client: client, migrations: partial, logger: logger).run()
            let directory = TenantDirectory(client: client, tenantMigrations: partial.tenant, logger: logger)
            let tenants = try await registerTenants(3, in: directory)

            let runner = MigrationRunner(client: client, migrations: migrations, logger: logger)
            #expect(try await runner.tenantSchemasBehind() == 3)
            let report = try await runner.run()
            #expect(report.tenantSchemasMigrated == 3)
            #expect(report.tenantFilesApplied == 3 * (migrations.tenant.count - 1))
            #expect(try await runner.tenantSchemasBehind() == 0)
            for tenant in tenants {
                let tables = try await tableNames(in: tenant.id.schemaName, client: client)
                #expect(tables.contains("idempotency_records"))
            }
        }
    }

    @Test func invoicesOpenBeforeReconciliationArePutOnItsSchedule() async throws {
        try await TestDatabase.withFresh(migrated: false) { client in
            // A tenant migrated up to the refunds, with invoices in every status.
            let before = MigrationSet(registry: migrations.registry, tenant: migrations.tenant.filter { $0.version < 6 })
            _ = try await MigrationRunner(client: client, migrations: before, logger: logger).run()
            let directory = TenantDirectory(client: client, tenantMigrations: before.tenant, logger: logger)
            let tenant = try await registerTenants(1, in: directory)[0]
            try await client.query(
                """
                INSERT INTO \(unescaped: quotedIdentifier(tenant.id.schemaName)).invoices
                    (id, reservation_id, status, currency, amount_minor, vat_amount_minor, description, expires_at)
                SELECT gen_random_uuid(), 'R', s, 'RUB', 100, 0, 'x', now() + interval '1 day'
                FROM unnest(ARRAY['open', 'open', 'paid', 'pending', 'canceled']) AS s
                """,
                logger: logger
            )
            _ = try await MigrationRunner(client: client, migrations: migrations, logger: logger).run()
            let scheduled = try await client.scalar(
                "SELECT count(*) FROM folio.reconciliation_schedule WHERE tenant_id = \(tenant.id.rawValue) AND due_at <= now()",
                as: Int64.self
            )
            #expect(scheduled == 2)
        }
    }

    @Test func refusesARegistryFileEditedAfterItWasApplied() async throws {
        try await TestDatabase.withFresh { client in
            var registry = migrations.registry
            let original = registry[0]
            registry[0] = Migration(version: original.version, name: original.name, sql: original.sql + "\n-- edited")
            let edited = MigrationSet(registry: registry, tenant: migrations.tenant)
            await #expect(throws: MigrationError.editedAfterApply(schema: "folio", name: original.name)) {
                try await MigrationRunner(client: client, migrations: edited, logger: logger).run()
            }
        }
    }

    @Test func refusesATenantFileEditedAfterItWasApplied() async throws {
        try await TestDatabase.withFresh { client in
            var tenant = migrations.tenant
            let original = tenant[0]
            tenant[0] = Migration(version: original.version, name: original.name, sql: original.sql.replacingOccurrences(of: "128", with: "256"))
            let edited = MigrationSet(registry: migrations.registry, tenant: tenant)
            await #expect(throws: MigrationError.editedAfterApply(schema: "tenant catalogue", name: original.name)) {
                try await MigrationRunner(client: client, migrations: edited, logger: logger).run()
            }
        }
    }

    @Test func namesTheFailingSchemaAndMigratesTheOthers() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: migrations.tenant, logger: logger)
            let tenants = try await registerTenants(3, in: directory)
            let broken = tenants[1].id.schemaName
            // Someone created by hand, in one schema, the table the next migration creates.
            try await client.query("CREATE TABLE \(unescaped: quotedIdentifier(broken)).guest_notes (id int)", logger: logger)
            let next = Migration(version: 900, name: "0900_create_guest_notes.sql", sql: "CREATE TABLE guest_notes (id uuid PRIMARY KEY);")
            let newer = MigrationSet(registry: migrations.registry, tenant: migrations.tenant + [next])

            let error = await #expect(throws: MigrationError.self) {
                try await MigrationRunner(client: client, migrations: newer, logger: logger, concurrency: 2).run()
            }
            guard case .tenantSchemasFailed(let failures) = error else {
                Issue.record("expected failing schemas, got \(String(describing: error))")
                return
            }
            #expect(failures.map(\.schema) == [broken])
            #expect(failures[0].reason.contains("0900_create_guest_notes.sql"))
            for tenant in tenants where tenant.id.schemaName != broken {
                let version = try await client.scalar("SELECT schema_version FROM folio.tenants WHERE id = \(tenant.id.rawValue)", as: Int.self)
                #expect(version == 900)
            }
            let brokenVersion = try await client.scalar("SELECT schema_version FROM folio.tenants WHERE schema_name = \(broken)", as: Int.self)
            #expect(brokenVersion == migrations.tenant.last?.version)
        }
    }

    @Test func refusesANewTenantFileNumberedBelowAnAppliedOne() async throws {
        try await TestDatabase.withFresh { client in
            // Merged after 0001 and 0002 were applied everywhere, but numbered below them.
            let late = Migration(version: 0, name: "0000_late.sql", sql: "CREATE TABLE late (id int);")
            let withLateFile = MigrationSet(registry: migrations.registry, tenant: migrations.tenant + [late])
            await #expect(throws: MigrationError.outOfOrder(scope: .tenant, name: "0000_late.sql")) {
                try await MigrationRunner(client: client, migrations: withLateFile, logger: logger).run()
            }
        }
    }

    @Test func aTenantWhoseSchemaIsBehindIsRefusedAlone() async throws {
        try await TestDatabase.withFresh { client in
            let older = Array(migrations.tenant.dropLast())
            let current = TenantDirectory(client: client, tenantMigrations: migrations.tenant, logger: logger)
            let oldReplica = TenantDirectory(client: client, tenantMigrations: older, logger: logger)
            let stale = try await oldReplica.register(TenantRegistration(externalID: "provisioned-by-an-old-replica", displayName: nil)).tenant
            // A replica whose files are older than the template's leaves the schema to a newer one.
            await #expect(throws: RegistryError.tenantSchemaBehind(stale.id)) {
                try await oldReplica.withTenant(stale.id) { _ in }
            }
            #expect(try await client.schemaExists(stale.id.schemaName) == false)
            // Before any newer replica ran (no template yet), the old one makes it at its own version.
            try await dropTemplate(client)
            try await oldReplica.withTenant(stale.id) { _ in }
            let fresh = try await current.register(TenantRegistration(externalID: "fresh", displayName: nil)).tenant
            await #expect(throws: RegistryError.tenantSchemaBehind(stale.id)) {
                try await current.withTenant(stale.id) { _ in }
            }
            try await current.withTenant(fresh.id) { _ in }
            let runner = MigrationRunner(client: client, migrations: migrations, logger: logger)
            #expect(try await runner.tenantSchemasBehind() == 1)
            #expect(try await runner.isUpToDate())
            _ = try await runner.run()
            try await current.withTenant(stale.id) { _ in }
            #expect(try await runner.tenantSchemasBehind() == 0)
        }
    }

    @Test func tenantsWithoutASchemaAreSkippedAndTheTemplateFollowsTheFiles() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: migrations.tenant, logger: logger)
            let written = try await registerTenants(1, in: directory)[0]
            let empty = try await directory.register(TenantRegistration(externalID: "never-wrote", displayName: nil)).tenant
            let next = Migration(version: 900, name: "0900_create_guest_notes.sql", sql: "CREATE TABLE guest_notes (id uuid PRIMARY KEY, note text);")
            let newer = MigrationSet(registry: migrations.registry, tenant: migrations.tenant + [next])
            let runner = MigrationRunner(client: client, migrations: newer, logger: logger)
            #expect(try await runner.tenantSchemasBehind() == 1)

            let report = try await runner.run()
            #expect(report.tenantSchemasMigrated == 1)
            #expect(report.tenantFilesApplied == 1)
            #expect(try await tableNames(in: written.id.schemaName, client: client).contains("guest_notes"))
            #expect(try await tableNames(in: TenantSchema.template.name, client: client).contains("guest_notes"))
            let sealed = try await client.scalar(
                "SELECT count(*) FROM pg_constraint WHERE conrelid = to_regclass('folio_tenant_template.guest_notes') AND conname = 'template_stays_empty'",
                as: Int64.self
            )
            #expect(sealed == 1)
            #expect(try await client.schemaExists(empty.id.schemaName) == false)
            let verified = try await runner.run(verifyAll: true)
            #expect(verified.tenantSchemasChecked == 1)
        }
    }

    @Test func aFileThatLeavesRowsFailsOnTheTemplateAloneAndTheTenantsAreMigrated() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: migrations.tenant, logger: logger)
            let written = try await registerTenants(1, in: directory)[0]
            let seeding = Migration(
                version: 900, name: "0900_seed_guest_notes.sql",
                sql: "CREATE TABLE guest_notes (id int PRIMARY KEY); INSERT INTO guest_notes VALUES (1);"
            )
            let newer = MigrationSet(registry: migrations.registry, tenant: migrations.tenant + [seeding])
            let error = await #expect(throws: MigrationError.self) {
                try await MigrationRunner(client: client, migrations: newer, logger: logger).run()
            }
            guard case .tenantSchemasFailed(let failures) = error else {
                Issue.record("expected failing schemas, got \(String(describing: error))")
                return
            }
            #expect(failures.map(\.schema) == [TenantSchema.template.name])
            // The template stayed as it was, empty; the tenant got the file, and readiness holds.
            #expect(try await tableNames(in: TenantSchema.template.name, client: client).contains("guest_notes") == false)
            #expect(try await tableNames(in: written.id.schemaName, client: client).contains("guest_notes"))
            #expect(try await MigrationRunner(client: client, migrations: newer, logger: logger).isUpToDate())
        }
    }

    @Test func concurrentRunnersMigrateEachTenantSchemaOnce() async throws {
        try await TestDatabase.withFresh(maximumConnections: 12) { client in
            let older = MigrationSet(registry: migrations.registry, tenant: Array(migrations.tenant.prefix(1)))
            let directory = TenantDirectory(client: client, tenantMigrations: older.tenant, logger: logger)
            // Schemas an older release made, before the template existed.
            try await dropTemplate(client)
            _ = try await registerTenants(6, in: directory)
            let reports = try await withThrowingTaskGroup(of: MigrationRunner.Report.self) { group in
                for _ in 0..<3 {
                    group.addTask { try await MigrationRunner(client: client, migrations: migrations, logger: logger, concurrency: 3).run() }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(reports.map(\.tenantSchemasMigrated).reduce(0, +) == 6)
            #expect(reports.map(\.tenantFilesApplied).reduce(0, +) == 6 * (migrations.tenant.count - 1))
        }
    }

    @Test func concurrentRunnersApplyEachFileOnce() async throws {
        try await TestDatabase.withFresh(migrated: false) { client in
            let reports = try await withThrowingTaskGroup(of: MigrationRunner.Report.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await MigrationRunner(client: client, migrations: migrations, logger: logger).run() }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(reports.map(\.registryApplied).reduce(0, +) == migrations.registry.count)
            let recorded = try await client.scalar("SELECT count(*) FROM folio.schema_migrations", as: Int64.self)
            #expect(recorded == Int64(migrations.registry.count))
        }
    }
}

/// Tenants each with its schema made, as their first write makes it.
func registerTenants(_ count: Int, in directory: TenantDirectory) async throws -> [Tenant] {
    var tenants: [Tenant] = []
    for index in 0..<count {
        let tenant = try await directory.register(TenantRegistration(externalID: "tenant-\(index)", displayName: nil)).tenant
        try await directory.withTenant(tenant.id) { _ in }
        tenants.append(tenant)
    }
    return tenants
}

/// Takes the template away, as in a database only replicas older than it have run against.
func dropTemplate(_ client: PostgresClient) async throws {
    try await client.query("DROP SCHEMA \(unescaped: quotedIdentifier(TenantSchema.template.name)) CASCADE", logger: TestDatabase.logger)
}

func tableNames(in schema: String, client: PostgresClient) async throws -> Set<String> {
    let rows = try await client.query(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \(schema)",
        logger: TestDatabase.logger
    )
    return Set(try await rows.decode(String.self).collect())
}
