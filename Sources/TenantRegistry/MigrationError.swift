import FolioDomain

/// Why migrations could not be loaded or applied.
package enum MigrationError: Error, Equatable, Sendable, CustomStringConvertible, LogSafeError {
    case unreadableDirectory(String)
    case unreadableFile(scope: MigrationScope, name: String)
    case badFileName(scope: MigrationScope, name: String)
    case duplicateVersion(scope: MigrationScope, version: Int, names: [String])
    /// An applied migration's file changed since it ran: the database no longer matches the code.
    case editedAfterApply(schema: String, name: String)
    /// A schema records a migration that no file provides (a file was removed or renamed).
    case unknownApplied(schema: String, name: String)
    /// A new file numbered below one already applied; renumber it above the highest.
    case outOfOrder(scope: MigrationScope, name: String)
    /// One statement of a file failed; the schema's transaction was rolled back.
    case statementFailed(schema: String, name: String, reason: String)
    /// Some tenant schemas failed; all others were migrated.
    case tenantSchemasFailed([SchemaFailure])

    package struct SchemaFailure: Equatable, Sendable {
        package let schema: String
        package let reason: String
    }

    package var description: String {
        switch self {
        case .unreadableDirectory(let path):
            "cannot read the migrations directory \(path) (set FOLIO_MIGRATIONS_DIR)"
        case .unreadableFile(let scope, let name):
            "cannot read \(scope.rawValue) migration \(name)"
        case .badFileName(let scope, let name):
            "\(scope.rawValue) migration \(name) must be named NNNN_description.sql"
        case .duplicateVersion(let scope, let version, let names):
            "\(scope.rawValue) migrations \(names.joined(separator: " and ")) share version \(version)"
        case .editedAfterApply(let schema, let name):
            "migration \(name) was edited after it was applied to schema \(schema); add a new migration instead"
        case .unknownApplied(let schema, let name):
            "schema \(schema) records migration \(name), which no file provides"
        case .outOfOrder(let scope, let name):
            "\(scope.rawValue) migration \(name) is numbered below a migration already applied; give it a higher number"
        case .statementFailed(let schema, let name, let reason):
            "migration \(name) failed in schema \(schema): \(reason)"
        case .tenantSchemasFailed(let failures):
            "\(failures.count) tenant schema(s) failed to migrate: "
                + failures.map { "\($0.schema): \($0.reason)" }.joined(separator: "; ")
        }
    }
}
