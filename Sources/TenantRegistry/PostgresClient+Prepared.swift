import Logging
import PostgresNIO

extension PostgresClient {
    /// The rows of `statement`. With `prepared`, the statement is parsed and planned once per
    /// connection (postgres-nio prepares it by name on a connection's first use) instead of on
    /// every run; without, it runs as an unnamed statement, as every other statement does. A
    /// transaction pooler that cannot carry a named statement from one transaction to the next
    /// (PgBouncer before 1.21 in transaction mode) needs `prepared` off.
    package func rows<Statement: PostgresPreparedStatement>(of statement: Statement, prepared: Bool, logger: Logger) async throws -> [PostgresRow]
    where Statement.Row == PostgresRow {
        if prepared {
            var rows: [PostgresRow] = []
            for try await row in try await execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
        return try await query(PostgresQuery(unsafeSQL: Statement.sql, binds: try statement.makeBindings()), logger: logger).collect()
    }
}
