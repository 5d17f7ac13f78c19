import Foundation
import Logging
import PostgresNIO

/// Creates a new tenant schema at the latest tenant version in one round trip.
///
/// The runner sends a file's statements one at a time after reading the schema's ledger, a round
/// trip each. A schema that does not exist yet has no ledger to read or verify, so its whole
/// history, its ledger rows and the registry's version are sent as one `DO` block instead. It runs
/// in the caller's transaction: a failure anywhere leaves no schema, and the schema it leaves is
/// the one the runner would have built, so later files reach it the usual way.
package enum TenantSchemaProvisioning {
    static func create(_ schema: String, migrations: [Migration], on connection: PostgresConnection, logger: Logger) async throws {
        do {
            try await connection.query(PostgresQuery(unsafeSQL: script(schema: schema, migrations: migrations)), logger: logger)
        } catch let error as PSQLError where error.serverInfo != nil {
            // The block names the file it was applying in the error's detail.
            let file = error.serverInfo?[.detail] ?? "CREATE SCHEMA"
            throw MigrationError.statementFailed(schema: schema, name: file, reason: error.serverSummary)
        }
    }

    package static func script(schema: String, migrations: [Migration]) -> String {
        // A tag no file can contain, so the block's end is never found inside a file.
        let tag = "$provision_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() + "$"
        let setUp =
            "CREATE SCHEMA \(quotedIdentifier(schema)); SET LOCAL search_path TO \(quotedIdentifier(schema)); "
            + MigrationLedger.provisionedDefinition
        var body = "DECLARE applying text := 'CREATE SCHEMA'; BEGIN EXECUTE \(literal(setUp));\n"
        for migration in migrations {
            body += "applying := \(literal(migration.name)); EXECUTE \(literal(migration.sql));\n"
        }
        body += "applying := 'schema_migrations';\n"
        if !migrations.isEmpty {
            let rows = migrations.map { "(\($0.version), \(literal($0.name)), \(literal($0.checksum)))" }
            body += "INSERT INTO schema_migrations (version, name, checksum) VALUES \(rows.joined(separator: ", "));\n"
        }
        body += "UPDATE folio.tenants SET schema_version = \(migrations.last?.version ?? 0) WHERE schema_name = \(literal(schema));\n"
        body += "EXCEPTION WHEN OTHERS THEN RAISE EXCEPTION USING ERRCODE = SQLSTATE, MESSAGE = SQLERRM, DETAIL = applying;\nEND"
        return "DO \(tag)\n\(body)\n\(tag)"
    }

    /// An escape-string literal, which reads the same whatever `standard_conforming_strings` is.
    static func literal(_ text: String) -> String {
        "E'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }
}
