import FolioDomain
import FolioTestSupport
import PostgresNIO
import Testing

@testable import TenantRegistry

/// The statement each unit of work starts with, prepared once per connection: one prepared plan
/// serves every tenant, a connection that cannot run it prepared still runs every unit, and what
/// a unit's own first statement writes commits once, with the unit.
@Suite struct TenantRowStatementTests {
    /// A unit's first statement that also writes to the registry side: a row per run into a table
    /// of the test database.
    struct NotingTenantRowStatement: TenantRowStatement {
        static let sql = """
            WITH tenant AS (\(LockedTenantRowStatement.sql)), noted AS (INSERT INTO public.first_statement_runs (tenant_id) VALUES ($1))
            SELECT tenant.*, 'noted' FROM tenant
            """
        let tenant: TenantID
    }

    let logger = TestDatabase.logger

    /// Two tenants with a schema each, on a pool of one connection, so that every unit and every
    /// question below is on the same server session.
    func withTwoTenants(_ body: @Sendable (PostgresClient, TenantDirectory, [TenantID]) async throws -> Void) async throws {
        try await TestDatabase.withFresh(maximumConnections: 1) { client in
            let directory = TenantDirectory(
                client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger, preparesStatements: true)
            var tenants: [TenantID] = []
            for name in ["first", "second"] {
                let (tenant, _) = try await directory.register(TenantRegistration(externalID: name, displayName: nil))
                _ = try await directory.withTenant(tenant.id) { connection in
                    try await connection.query(
                        "INSERT INTO idempotency_records (idempotency_key, request_fingerprint) VALUES (\(name), '\\x00')", logger: logger)
                }
                tenants.append(tenant.id)
            }
            try await body(client, directory, tenants)
        }
    }

    /// The key each tenant's unit of work reads from its own schema, with the schema it was in.
    func keysRead(_ directory: TenantDirectory, _ tenants: [TenantID], reading: Bool) async throws -> [String] {
        var keys: [String] = []
        for tenant in tenants + tenants {
            keys += try await directory.withTenant(tenant, reading: reading) { connection in
                try await connection.query("SELECT idempotency_key FROM idempotency_records", logger: logger).decode(String.self).collect()
            }
        }
        return keys
    }

    func preparedNames(_ client: PostgresClient) async throws -> Set<String> {
        Set(try await client.query("SELECT name FROM pg_prepared_statements", logger: logger).decode(String.self).collect())
    }

    @Test func onePreparedStatementServesEveryTenantsUnits() async throws {
        try await withTwoTenants { client, directory, tenants in
            let written = try await keysRead(directory, tenants, reading: false)
            let read = try await keysRead(directory, tenants, reading: true)
            #expect(written == ["first", "second", "first", "second"])
            #expect(read == ["first", "second", "first", "second"])
            let prepared = try await preparedNames(client)
            #expect(prepared == [LockedTenantRowStatement.name, ReadTenantRowStatement.name])
        }
    }

    @Test func aConnectionThatCannotRunItPreparedStillRunsEveryUnit() async throws {
        try await withTwoTenants { client, _, tenants in
            let logs = CapturedLogs()
            let directory = TenantDirectory(
                client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logs.logger(label: "registry"),
                preparesStatements: true)
            _ = try await keysRead(directory, tenants, reading: false)
            let preparedBefore = try await preparedNames(client)
            #expect(preparedBefore.contains(LockedTenantRowStatement.name))
            // The session forgets what postgres-nio prepared on it, and another statement takes
            // the name: a run of the prepared statement now fails on this connection every time.
            try await client.query("DEALLOCATE ALL", logger: logger)
            try await client.query(PostgresQuery(unsafeSQL: "PREPARE \(quotedIdentifier(LockedTenantRowStatement.name)) AS SELECT 1"), logger: logger)
            let written = try await keysRead(directory, tenants, reading: false)
            #expect(written == ["first", "second", "first", "second"])
            #expect(logs.text.contains("prepared tenant row statement failed; running it unnamed"))
            let statements = try await client.query("SELECT statement FROM pg_prepared_statements", logger: logger).decode(String.self).collect()
            #expect(statements.count == 1 && statements[0].hasSuffix("AS SELECT 1"), "the units ran it unnamed, not prepared again")
        }
    }

    @Test func aFirstStatementsWritesCommitOnceWithTheUnitThatMadeTheSchema() async throws {
        try await TestDatabase.withFresh(maximumConnections: 1) { client in
            try await client.query("CREATE TABLE public.first_statement_runs (tenant_id uuid NOT NULL)", logger: logger)
            for prepared in [false, true] {
                let directory = TenantDirectory(
                    client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger, preparesStatements: prepared)
                let (tenant, _) = try await directory.register(TenantRegistration(externalID: "first write \(prepared)", displayName: nil))
                // The tenant has no schema: the first run finds none and rolls back, its insert
                // with it; the schema is made, and the second run commits.
                let (lastColumn, path) = try await directory.withTenant(startingWith: NotingTenantRowStatement(tenant: tenant.id)) { connection, row in
                    let cells = PostgresRandomAccessRow(row)
                    let path = try await connection.query("SELECT current_setting('search_path')", logger: logger).decode(String.self).collect()[0]
                    return (try cells[3].decode(String.self), path)
                }
                #expect(lastColumn == "noted")
                #expect(path == tenant.id.schemaName)
                let runs = try await client.scalar(
                    "SELECT count(*) FROM public.first_statement_runs WHERE tenant_id = \(tenant.id.rawValue)", as: Int64.self)
                #expect(runs == 1, "prepared: \(prepared)")
                let preparedNow = try await preparedNames(client)
                // PostgreSQL keeps the first 63 bytes of a name.
                #expect(preparedNow.contains(String(decoding: NotingTenantRowStatement.name.utf8.prefix(63), as: UTF8.self)) == prepared)
            }
        }
    }
}
