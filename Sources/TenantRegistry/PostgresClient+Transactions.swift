import Foundation
import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` in one transaction and rethrows the body's own error rather than postgres-nio's
    /// wrapper, so that callers can match on domain errors thrown from inside.
    package func inTransaction<Result: Sendable>(
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection(isolation: isolation) { connection in
            try await connection.inTransaction(logger: logger, isolation: isolation, body)
        }
    }
}

extension PostgresConnection {
    /// `PostgresClient.inTransaction` on this connection.
    package func inTransaction<Result: Sendable>(
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await withTransaction(logger: logger, isolation: isolation) { connection in
                try await body(connection)
            }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }

    /// Points unqualified names at `schema` until the end of the current transaction only, so
    /// the connection goes back to the pool clean (and stays correct behind a transaction pooler).
    package func setLocalSearchPath(_ schema: String, logger: Logger) async throws {
        try await query("SET LOCAL search_path TO \(unescaped: quotedIdentifier(schema))", logger: logger)
    }
}

/// Quotes an identifier for SQL. Only ever applied to names Folio builds itself (schema names
/// derived from UUIDs, constants); user input reaches SQL only as bound parameters.
package func quotedIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

extension PSQLError {
    /// The server's own message and SQLSTATE, which postgres-nio keeps out of `description` on
    /// purpose; safe for migrations and schema work, where no secret is ever bound.
    package var serverSummary: String {
        guard let info = serverInfo else { return "\(code)" }
        let message = info[.message] ?? "unknown error"
        let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
        return message + state
    }

    package var sqlState: String? {
        serverInfo?[.sqlState]
    }
}
