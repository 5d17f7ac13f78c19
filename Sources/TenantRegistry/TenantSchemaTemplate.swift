import Logging
import PostgresNIO

/// Keeps `TenantSchema.template` at the latest tenant version and empty.
///
/// The migration runner brings it up to date like a tenant schema, under the same kind of lock,
/// before any tenant schema. Every table but the ledger then carries `CHECK (false) NOT VALID`:
/// PostgreSQL skips the check for the rows already there (none) and refuses every row inserted or
/// updated, so no statement can leave data that another tenant's read would see. A tenant file
/// must therefore not insert rows of its own; an `UPDATE` or `DELETE` of nothing passes.
enum TenantSchemaTemplate {
    static let sealName = "template_stays_empty"

    /// Brings the template up to date and seals every table; returns how many files it applied.
    static func bringUpToDate(migrations: [Migration], client: PostgresClient, logger: Logger) async throws -> Int {
        // The usual case, a template already current, costs one read and takes no lock.
        if try await isAt(version: migrations.last?.version ?? 0, client: client, logger: logger) { return 0 }
        let schema = TenantSchema.template.name
        return try await client.inTransaction(logger: logger) { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(MigrationRunner.tenantLockClass), hashtext(\(schema)))",
                logger: logger
            )
            try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: quotedIdentifier(schema))", logger: logger)
            let applied = try await MigrationRunner.bringUpToDate(schema, migrations: migrations, on: connection, logger: logger)
            try await connection.query(
                """
                DO $seal$ DECLARE unsealed regclass; BEGIN
                FOR unsealed IN
                    SELECT c.oid::regclass FROM pg_class c
                    WHERE c.relnamespace = \(unescaped: TenantSchemaProvisioning.literal(schema))::regnamespace
                      AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.conname = \(unescaped: TenantSchemaProvisioning.literal(sealName)))
                LOOP
                    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (false) NOT VALID', unsealed, \(unescaped: TenantSchemaProvisioning.literal(sealName)));
                END LOOP;
                END $seal$
                """,
                logger: logger
            )
            return applied
        }
    }

    /// Whether the template is at `version`; false while it does not exist yet.
    static func isAt(version: Int, client: PostgresClient, logger: Logger) async throws -> Bool {
        do {
            let rows = try await client.query(
                "SELECT coalesce(max(version), 0) FROM \(unescaped: TenantSchema.template.table("schema_migrations"))",
                logger: logger
            )
            return try await rows.decode(Int.self).collect().first ?? 0 >= version
        } catch let error as PSQLError where error.sqlState == "42P01" || error.sqlState == "3F000" {
            return false
        }
    }
}
