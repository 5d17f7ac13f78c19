import FolioDomain
import FolioTestSupport
import Foundation
import PostgresNIO
import Testing

@testable import TenantRegistry

@Suite struct TenantDirectoryTests {
    let migrations = TestDatabase.migrations
    let logger = TestDatabase.logger

    func directory(_ client: PostgresClient, tenantMigrations: [Migration]? = nil) -> TenantDirectory {
        TenantDirectory(client: client, tenantMigrations: tenantMigrations ?? migrations.tenant, logger: logger)
    }

    func tenantSchemaCount(_ client: PostgresClient) async throws -> Int64? {
        try await client.scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\\_%'", as: Int64.self)
    }

    func schemaVersion(of tenant: TenantID, _ client: PostgresClient) async throws -> Int? {
        try await client.query("SELECT schema_version FROM folio.tenants WHERE id = \(tenant.rawValue)", logger: logger)
            .decode(Int?.self).collect().first ?? nil
    }

    @Test func registeringWritesTheRowAndTheFirstWriteMakesTheSchema() async throws {
        try await TestDatabase.withFresh { client in
            let directory = directory(client)
            let (tenant, created) = try await directory.register(TenantRegistration(externalID: "hotel-1", displayName: "Hotel One"))
            #expect(created)
            #expect(tenant.id.schemaName.count == 34)
            #expect(try await tenantSchemaCount(client) == 0)
            #expect(try await schemaVersion(of: tenant.id, client) == nil)

            // A reading unit reads the empty template and makes nothing.
            let (searchPath, invoices) = try await directory.withTenant(tenant.id, reading: true) { connection in
                try await connection.query("SELECT current_setting('search_path'), (SELECT count(*) FROM invoices)", logger: logger)
                    .decode((String, Int64).self).collect()[0]
            }
            #expect(searchPath == TenantSchema.template.name)
            #expect(invoices == 0)
            #expect(try await tenantSchemaCount(client) == 0)
            #expect(directory.currentSchemas.schema(of: tenant.id) == nil)

            // The first writing unit makes the schema, every table in it, at the latest version.
            let writtenIn = try await directory.withTenant(tenant.id) { connection in
                try await connection.query("SELECT current_setting('search_path')", logger: logger).decode(String.self).collect()[0]
            }
            #expect(writtenIn == tenant.id.schemaName)
            let tables = try await tableNames(in: tenant.id.schemaName, client: client)
            #expect(tables == ["fulfilments", "idempotency_records", "invoices", "notifications", "refunds", "schema_migrations"])
            let applied = try await client.scalar(
                "SELECT count(*) FROM \(unescaped: quotedIdentifier(tenant.id.schemaName)).schema_migrations",
                as: Int64.self
            )
            #expect(applied == Int64(migrations.tenant.count))
            #expect(try await schemaVersion(of: tenant.id, client) == migrations.tenant.last?.version)
            #expect(try await directory.tenant(tenant.id) == tenant)
        }
    }

    @Test func concurrentFirstWritesMakeOneSchema() async throws {
        try await TestDatabase.withFresh(maximumConnections: 16) { client in
            let directory = directory(client)
            let tenant = try await directory.register(TenantRegistration(externalID: "busy-at-once", displayName: nil)).tenant.id
            let writes = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<12 {
                    let reservation = "R-\(index)"
                    group.addTask {
                        try await directory.withTenant(tenant) { connection -> Int in
                            let inserted = try await connection.query(
                                """
                                INSERT INTO invoices (id, reservation_id, status, currency, amount_minor, vat_amount_minor, description)
                                VALUES (\(UUID()), \(reservation), 'open', 'RUB', 100, 0, 'stay') RETURNING 1
                                """,
                                logger: logger
                            )
                            return try await inserted.count()
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(writes == 12)
            #expect(try await tenantSchemaCount(client) == 1)
            let stored = try await client.scalar("SELECT count(*) FROM \(unescaped: quotedIdentifier(tenant.schemaName)).invoices", as: Int64.self)
            #expect(stored == 12)
        }
    }

    @Test func concurrentRegistrationsOfOneExternalIDMakeOneTenant() async throws {
        try await TestDatabase.withFresh(maximumConnections: 16) { client in
            let directory = directory(client)
            let outcomes = try await withThrowingTaskGroup(of: (Tenant, Bool).self) { group in
                for _ in 0..<24 {
                    group.addTask {
                        let result = try await directory.register(TenantRegistration(externalID: "same-host-user", displayName: nil))
                        return (result.tenant, result.created)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter(\.1).count == 1)
            #expect(Set(outcomes.map(\.0.id)).count == 1)
            #expect(try await client.scalar("SELECT count(*) FROM folio.tenants", as: Int64.self) == 1)
        }
    }

    @Test func aFirstWriteWhoseSchemaFailsHalfwayLeavesNoSchema() async throws {
        try await TestDatabase.withFresh { client in
            let broken = migrations.tenant + [Migration(version: 901, name: "0901_broken.sql", sql: "CREATE TABLE fine (id int); SELECT * FROM no_such_table;")]
            let tenant = try await directory(client, tenantMigrations: broken).register(TenantRegistration(externalID: "hotel-2", displayName: nil)).tenant
            await #expect(throws: MigrationError.self) {
                try await directory(client, tenantMigrations: broken).withTenant(tenant.id) { _ in }
            }
            #expect(try await tenantSchemaCount(client) == 0)
            #expect(try await schemaVersion(of: tenant.id, client) == nil)
            // The tenant's next write, with files that work, makes it.
            try await directory(client).withTenant(tenant.id) { _ in }
            #expect(try await tenantSchemaCount(client) == 1)
        }
    }

    @Test func theTemplateRefusesEveryRow() async throws {
        try await TestDatabase.withFresh { client in
            let directory = directory(client)
            let tenant = try await directory.register(TenantRegistration(externalID: "reader", displayName: nil)).tenant.id
            let insert = """
                INSERT INTO invoices (id, reservation_id, status, currency, amount_minor, vat_amount_minor, description)
                VALUES ('6c1e3a52-0d64-4c59-9f6e-7d2a4b1c9e01', 'R-1', 'open', 'RUB', 100, 0, 'stay')
                """
            // A reading unit that writes after all is refused by the template's check.
            do {
                _ = try await directory.withTenant(tenant, reading: true) { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: insert), logger: logger)
                }
                Issue.record("the template took a row")
            } catch RegistryError.databaseFailed(let failure) {
                #expect(failure.sqlState == "23514")
                #expect(failure.constraint == "template_stays_empty")
            }
            // So is a statement that names the template.
            do {
                let named = insert.replacingOccurrences(of: "INSERT INTO invoices", with: "INSERT INTO \(TenantSchema.template.table("invoices"))")
                try await client.query(PostgresQuery(unsafeSQL: named), logger: logger)
                Issue.record("the template took a row")
            } catch let error as PSQLError {
                #expect(error.sqlState == "23514")
            }
            for table in ["invoices", "refunds", "notifications", "idempotency_records", "fulfilments"] {
                let sealed = try await client.scalar(
                    """
                    SELECT count(*) FROM pg_constraint
                    WHERE conrelid = to_regclass(\(TenantSchema.template.name + "." + table)) AND conname = 'template_stays_empty'
                    AND convalidated AND pg_get_constraintdef(oid) = 'CHECK (false)'
                    """,
                    as: Int64.self
                )
                #expect(sealed == 1, "\(table)")
            }
            let rows = try await client.scalar("SELECT count(*) FROM \(unescaped: TenantSchema.template.table("invoices"))", as: Int64.self)
            #expect(rows == 0)
        }
    }

    @Test func deletingDropsTheSchemaAndTheKeys() async throws {
        try await TestDatabase.withFresh { client in
            let directory = directory(client)
            let tenant = try await directory.register(TenantRegistration(externalID: "hotel-3", displayName: nil)).tenant
            try await directory.withTenant(tenant.id) { _ in }
            let neverWrote = try await directory.register(TenantRegistration(externalID: "hotel-4", displayName: nil)).tenant
            _ = try await APIKeyStore(client: client, configuredPlatformKeys: [], logger: logger).issueTenantKey(for: tenant.id, label: nil)
            #expect(try await client.schemaExists(tenant.id.schemaName))
            #expect(try await directory.delete(tenant.id, actor: "test"))
            #expect(try await directory.tenant(tenant.id) == nil)
            #expect(try await client.schemaExists(tenant.id.schemaName) == false)
            #expect(try await client.scalar("SELECT count(*) FROM folio.api_keys", as: Int64.self) == 0)
            #expect(try await directory.delete(tenant.id, actor: "test") == false)
            #expect(try await directory.delete(neverWrote.id, actor: "test"))
            #expect(try await client.scalar("SELECT count(*) FROM folio.tenants", as: Int64.self) == 0)
        }
    }

    @Test func aUnitOfWorkSeesOnlyItsTenantAndLeavesTheConnectionClean() async throws {
        // One connection: whatever one unit of work set would be seen by the next.
        try await TestDatabase.withFresh(maximumConnections: 1) { client in
            let directory = directory(client)
            let first = try await directory.register(TenantRegistration(externalID: "a", displayName: nil)).tenant
            let second = try await directory.register(TenantRegistration(externalID: "b", displayName: nil)).tenant
            _ = try await directory.withTenant(first.id) { connection in
                try await connection.query(
                    "INSERT INTO invoices (id, reservation_id, status, currency, amount_minor, description) VALUES (\(UUID()), 'r-1', 'open', 'RUB', 100, 'stay')",
                    logger: logger
                )
            }
            let countInSecond = try await directory.withTenant(second.id) { connection in
                let rows = try await connection.query("SELECT count(*) FROM invoices", logger: logger)
                return try await rows.decode(Int64.self).firstElement() ?? -1
            }
            #expect(countInSecond == 0)
            let searchPath = try await client.scalar("SELECT current_setting('search_path')", as: String.self)
            #expect(searchPath == #""$user", public"#)
            let unknown = TenantID.random()
            await #expect(throws: RegistryError.tenantNotFound(unknown)) {
                try await directory.withTenant(unknown) { _ in }
            }
        }
    }

    @Test func listingPagesThroughEveryTenantInOrder() async throws {
        try await TestDatabase.withFresh { client in
            let directory = directory(client)
            let registered = try await registerTenants(5, in: directory)
            var seen: [Tenant] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await directory.list(limit: 2, after: cursor)
                seen += page.tenants
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil
            #expect(pages == 3)
            #expect(seen.map(\.id) == registered.map(\.id))
            await #expect(throws: RegistryError.invalidCursor) {
                try await directory.list(limit: 2, after: "not-a-cursor")
            }
        }
    }

    @Test func hostileExternalIDsAreStoredVerbatim() async throws {
        try await TestDatabase.withFresh { client in
            let hostile = #"x'); DROP SCHEMA folio CASCADE; --"#
            let tenant = try await directory(client).register(TenantRegistration(externalID: hostile, displayName: "\"; SELECT 1"))
            #expect(tenant.tenant.externalID == hostile)
            #expect(try await client.scalar("SELECT count(*) FROM folio.tenants", as: Int64.self) == 1)
        }
    }
}
