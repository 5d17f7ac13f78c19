import Foundation
import Logging
import NIOCore
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

    /// A transaction, as `inTransaction(logger:_:)`, whose `BEGIN` is written without waiting
    /// for its answer, so that `first`, the unit's first statement, queues behind it on the
    /// connection: postgres-nio sends a queued statement as soon as the server answers the one
    /// before, on the connection's own thread, instead of after this task has been resumed to
    /// write it. The wire carries the same messages in the same order as with an awaited `BEGIN`.
    ///
    /// `BEGIN`'s answer is checked once `first` is answered, before `body` runs: a `BEGIN` that
    /// failed fails `first` as well (the connection is then broken, or its transaction aborted),
    /// so nothing runs outside the transaction beyond that first statement.
    package func inTransaction<First, Result: Sendable>(
        logger: Logger,
        startingWith first: (PostgresConnection) async throws -> First,
        _ body: (PostgresConnection, First) async throws -> Result
    ) async throws -> Result {
        let begun: EventLoopFuture<PostgresQueryResult> = query("BEGIN;", logger: logger)
        let value: Result
        do {
            let opened: First
            do {
                opened = try await first(self)
            } catch {
                // A failed `BEGIN` is the cause, and what the caller should see.
                _ = try await begun.get()
                throw error
            }
            _ = try await begun.get()
            value = try await body(self, opened)
        } catch {
            if (try? await begun.get()) != nil {
                _ = try? await query("ROLLBACK;", logger: logger)
            }
            throw error
        }
        try await query("COMMIT;", logger: logger)
        return value
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
