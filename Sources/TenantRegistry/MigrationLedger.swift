import Foundation
import Logging
import PostgresNIO

/// The `schema_migrations` table that records, inside one schema, which files were applied.
///
/// Every schema carries its own ledger, so a tenant schema is self-describing and dropping it
/// drops its history with it.
enum MigrationLedger {
    struct Entry {
        let version: Int
        let name: String
        let checksum: String
    }

    /// Creates the ledger in the schema the transaction's search path points at.
    static func ensure(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
    }

    /// The ledger of a schema provisioned in one block, the same rows in fewer relations. Bounded
    /// text types keep a row far below the size that needs a toast table, and there is no primary
    /// key: one writer fills it, under the schema's lock, and the ledger is only ever read whole.
    /// Each relation left out is a file, catalog rows, and an fsync while the tenant is created.
    static let provisionedDefinition = """
        CREATE TABLE schema_migrations (
            version integer NOT NULL,
            name varchar(255) NOT NULL,
            checksum char(64) NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    static func entries(on connection: PostgresConnection, logger: Logger) async throws -> [Entry] {
        let rows = try await connection.query(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
            logger: logger
        )
        return try await rows.decode((Int, String, String).self).collect().map(Entry.init)
    }

    /// Refuses a ledger that no longer matches the files: an applied file edited, or one missing.
    static func verify(_ entries: [Entry], against migrations: [Migration], schema: String) throws(MigrationError) {
        let byVersion = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for entry in entries {
            guard let migration = byVersion[entry.version] else {
                throw .unknownApplied(schema: schema, name: entry.name)
            }
            guard migration.checksum == entry.checksum else {
                throw .editedAfterApply(schema: schema, name: migration.name)
            }
        }
    }

    /// Applies each migration's statements and records it, inside the caller's transaction.
    static func apply(
        _ migrations: [Migration],
        schema: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        for migration in migrations {
            for statement in SQLScript.statements(in: migration.sql) {
                do {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                } catch let error as PSQLError {
                    throw MigrationError.statementFailed(schema: schema, name: migration.name, reason: error.serverSummary)
                }
            }
            try await connection.query(
                """
                INSERT INTO schema_migrations (version, name, checksum)
                VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                """,
                logger: logger
            )
        }
    }
}
