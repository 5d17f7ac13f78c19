import Logging
import PostgresNIO

/// Keeps `TenantSchema.template` at the latest tenant version and empty.
///
/// The migration runner brings it up to date like a tenant schema, under the same kind of lock,
/// before any tenant schema. Every table but the ledger then carries `CHECK (false)`, which
/// PostgreSQL validates on adding it (so a file that left rows in a new table fails here) and
/// which refuses every row inserted or updated later, so no statement can leave data that a
/// tenant's read would see. A tenant file must therefore not insert rows of its own; an `UPDATE`
/// or `DELETE` of nothing passes. A template that fails to migrate is reported like a tenant
/// schema that does: only the reads of tenants without a schema fail until it is mended.
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
            // Read from pg_namespace itself rather than trusted to `IF NOT EXISTS`: an advisory lock
            // does not make PostgreSQL take in catalog changes committed while it waited, but the
            // first lock on a relation in a transaction does, so a schema another runner made
            // meanwhile is seen here and by every statement after.
            let existing = try await connection.query("SELECT count(*) FROM pg_namespace WHERE nspname = \(schema)", logger: logger)
            if try await existing.decode(Int64.self).collect().first == 0 {
                try await connection.query("CREATE SCHEMA \(unescaped: quotedIdentifier(schema))", logger: logger)
            }
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
                    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (false)', unsealed, \(unescaped: TenantSchemaProvisioning.literal(sealName)));
                END LOOP;
                -- A seal added NOT VALID by an earlier build is checked against the rows now.
                FOR unsealed IN
                    SELECT k.conrelid::regclass FROM pg_constraint k
                    WHERE k.connamespace = \(unescaped: TenantSchemaProvisioning.literal(schema))::regnamespace
                      AND k.conname = \(unescaped: TenantSchemaProvisioning.literal(sealName)) AND NOT k.convalidated
                LOOP
                    EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', unsealed, \(unescaped: TenantSchemaProvisioning.literal(sealName)));
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
        try await client.withConnection { connection in
            try await Self.version(on: connection, logger: logger) ?? -1 >= version
        }
    }

    /// The highest tenant file applied to the template; `nil` while it does not exist yet.
    static func version(on connection: PostgresConnection, logger: Logger) async throws -> Int? {
        let ledger = TenantSchema.template.table("schema_migrations")
        let exists = try await connection.query("SELECT to_regclass(\(ledger)) IS NOT NULL", logger: logger)
        guard try await exists.decode(Bool.self).collect().first == true else { return nil }
        let applied = try await connection.query("SELECT coalesce(max(version), 0) FROM \(unescaped: ledger)", logger: logger)
        return try await applied.decode(Int.self).collect().first
    }
}
