import FolioDomain
import FolioTestSupport
import Foundation
import PostgresNIO
import Testing

@testable import TenantRegistry

@Suite struct TenantSchemaProvisioningTests {
    let migrations = TestDatabase.migrations
    let logger = TestDatabase.logger

    @Test func aProvisionedSchemaIsTheOneTheRunnerBuildsFromTheFiles() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: migrations.tenant, logger: logger)
            let provisioned = try await directory.register(TenantRegistration(externalID: "in-one-block", displayName: nil)).tenant
            try await directory.withTenant(provisioned.id) { _ in }

            // A tenant whose schema exists but is empty is brought up to date by the runner, file by file.
            let replayed = TenantID.random()
            try await client.query(
                """
                INSERT INTO folio.tenants (id, external_id, schema_name, schema_version)
                VALUES (\(replayed.rawValue), 'file-by-file', \(replayed.schemaName), 0)
                """,
                logger: logger
            )
            try await client.query("CREATE SCHEMA \(unescaped: quotedIdentifier(replayed.schemaName))", logger: logger)
            let report = try await MigrationRunner(client: client, migrations: migrations, logger: logger).run()
            #expect(report.tenantFilesApplied == migrations.tenant.count)

            let blockShape = try await shape(of: provisioned.id.schemaName, client: client)
            #expect(!blockShape.isEmpty)
            let replayedShape = try await shape(of: replayed.schemaName, client: client)
            #expect(blockShape.filter { !replayedShape.contains($0) } == [])
            #expect(replayedShape.filter { !blockShape.contains($0) } == [])
            #expect(try await ledger(of: provisioned.id.schemaName, client: client) == (try await ledger(of: replayed.schemaName, client: client)))
            // Reads of a tenant without a schema go to the template: it has the same shape, apart
            // from the constraint that keeps it empty.
            let templateShape = try await shape(of: TenantSchema.template.name, client: client).filter { !$0.contains("template_stays_empty") }
            #expect(templateShape.filter { !replayedShape.contains($0) } == [])
            #expect(replayedShape.filter { !templateShape.contains($0) } == [])
            let versions = try await client.query("SELECT DISTINCT schema_version FROM folio.tenants", logger: logger).decode(Int.self).collect()
            #expect(versions == [migrations.tenant.last?.version ?? 0])

            // The version each records lets the runner verify both without applying anything.
            let verified = try await MigrationRunner(client: client, migrations: migrations, logger: logger).run(verifyAll: true)
            #expect(verified.tenantSchemasChecked == 2)
            #expect(verified.tenantFilesApplied == 0)
        }
    }

    @Test func aFailingFileIsNamedAndLeavesNoSchema() async throws {
        try await TestDatabase.withFresh { client in
            let broken =
                migrations.tenant + [Migration(version: 902, name: "0902_broken.sql", sql: "CREATE TABLE fine (id int); SELECT 'it''s' FROM no_such_table;")]
            let directory = TenantDirectory(client: client, tenantMigrations: broken, logger: logger)
            let tenant = try await directory.register(TenantRegistration(externalID: "hotel-broken", displayName: nil)).tenant
            do {
                try await directory.withTenant(tenant.id) { _ in }
                Issue.record("provisioning succeeded")
            } catch MigrationError.statementFailed(_, let name, let reason) {
                #expect(name == "0902_broken.sql")
                #expect(reason.contains("no_such_table"))
            }
            let schemas = try await client.scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\\_%'", as: Int64.self)
            #expect(schemas == 0)
        }
    }

    /// The schema's tables, columns, constraints and indexes, with the schema's name taken out;
    /// the ledger is left out, since a provisioned schema keeps it in fewer relations.
    func shape(of schema: String, client: PostgresClient) async throws -> [String] {
        let rows = try await client.query(
            """
            SELECT replace(d, \(schema), 'tenant') FROM (
                SELECT format('column %s.%s #%s %s not null %s default %s storage %s', c.relname, a.attname, a.attnum,
                              format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attstorage) AS d
                FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid
                LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE c.relnamespace = \(schema)::regnamespace AND c.relname NOT LIKE 'schema_migrations%' AND a.attnum > 0 AND NOT a.attisdropped
                UNION ALL
                SELECT format('constraint %s %s', conname, pg_get_constraintdef(oid)) FROM pg_constraint
                WHERE connamespace = \(schema)::regnamespace AND conrelid <> (\(schema) || '.schema_migrations')::regclass
                UNION ALL
                SELECT format('relation %s kind %s toast %s', relname, relkind, reltoastrelid <> 0) FROM pg_class
                WHERE relnamespace = \(schema)::regnamespace AND relname NOT LIKE 'schema_migrations%'
                UNION ALL
                SELECT pg_get_indexdef(indexrelid) FROM pg_index JOIN pg_class AS c ON c.oid = indrelid
                WHERE c.relnamespace = \(schema)::regnamespace AND c.relname <> 'schema_migrations'
            ) AS description (d) ORDER BY 1
            """,
            logger: logger
        )
        return try await rows.decode(String.self).collect()
    }

    func ledger(of schema: String, client: PostgresClient) async throws -> [String] {
        let rows = try await client.query(
            "SELECT version, name::text, checksum::text FROM \(unescaped: quotedIdentifier(schema)).schema_migrations ORDER BY version",
            logger: logger
        )
        return try await rows.decode((Int, String, String).self).collect().map { "\($0) \($1) \($2)" }
    }
}
