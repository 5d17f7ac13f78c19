import Logging
import PostgresNIO

extension PostgresClient {
    /// Closes the connection the pool would hand out next, so that the pool opens another in its
    /// place (at once while it keeps a minimum, else when one is needed). Returns the PostgreSQL
    /// server process that connection had.
    ///
    /// A server process keeps the catalog entries of every table it has read for as long as it
    /// lives, about 83 KB per tenant listed (docs/scaling.md), and postgres-nio's pool never ends
    /// a connection it keeps warm; so each connection would grow with every tenant it served.
    /// The connection is leased like any other, so no statement of anyone else's runs on it.
    @discardableResult
    package func renewOneConnection(logger: Logger) async throws -> Int32 {
        try await withConnection { connection in
            let rows = try await connection.query("SELECT pg_backend_pid()", logger: logger)
            let serverProcess = try await rows.decode(Int32.self).collect().first ?? 0
            try await connection.close()
            return serverProcess
        }
    }
}
