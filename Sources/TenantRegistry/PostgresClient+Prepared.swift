import Logging
import PostgresNIO

extension PostgresClient {
    /// The rows of a read-only `statement`. With `prepared`, the statement is parsed and planned
    /// once per connection (postgres-nio prepares it by name on a connection's first use) instead
    /// of on every run; without, it runs as an unnamed statement, as every other statement does.
    ///
    /// A prepared run that fails runs again unnamed. A named statement can fail where the same
    /// text would not: its result changed type under a migration ("cached plan must not change
    /// result type"), its preparation failed once (postgres-nio then answers that error on that
    /// connection for good), or a transaction pooler handed the run to a server connection that
    /// never prepared it. So `prepared` costs a wasted round trip there, never an answer; a
    /// pooler that cannot carry named statements (PgBouncer before 1.21 in transaction mode)
    /// should have it off all the same.
    package func rows<Statement: PostgresPreparedStatement>(of statement: Statement, prepared: Bool, logger: Logger) async throws -> [PostgresRow]
    where Statement.Row == PostgresRow {
        if prepared {
            do {
                return try await execute(statement, logger: logger).collect()
            } catch {
                if Task.isCancelled { throw error }
                logger.debug("prepared statement failed; running it unnamed", metadata: ["statement": "\(Statement.name)", "error": "\(error)"])
            }
        }
        return try await query(try statement.unnamedQuery(), logger: logger).collect()
    }
}

extension PostgresConnection {
    /// The rows of `statement` on this connection, prepared by name or unnamed. A prepared run
    /// that fails throws, with no second try here: inside a transaction nothing else can run
    /// after it, so only the caller can start again.
    package func rows<Statement: PostgresPreparedStatement>(of statement: Statement, prepared: Bool, logger: Logger) async throws -> [PostgresRow]
    where Statement.Row == PostgresRow {
        guard prepared else { return try await query(try statement.unnamedQuery(), logger: logger).collect() }
        return try await execute(statement, logger: logger).collect()
    }
}

extension PostgresPreparedStatement {
    /// The statement's text and bindings as the unnamed statement every other query runs as.
    func unnamedQuery() throws -> PostgresQuery {
        PostgresQuery(unsafeSQL: Self.sql, binds: try makeBindings())
    }
}
