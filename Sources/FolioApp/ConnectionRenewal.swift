import InvoicingService
import Logging
import PostgresNIO
import ServiceLifecycle
import TenantRegistry

/// Renews the database pool's connections about once per `lifetime`
/// (`FOLIO_DATABASE_URL`'s `?connection_lifetime=`): one connection every `lifetime` ÷ the pool's
/// size, so that no PostgreSQL server process holds the catalog entries of every tenant it ever
/// served (`PostgresClient.renewOneConnection`).
package struct ConnectionRenewal: Service {
    let client: PostgresClient
    let interval: Duration
    let logger: Logger

    package init(client: PostgresClient, lifetime: Duration, connections: Int, logger: Logger) {
        self.client = client
        self.interval = lifetime / max(1, connections)
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                do {
                    let serverProcess = try await client.renewOneConnection(logger: logger)
                    logger.debug("database connection renewed", metadata: ["postgres.pid": "\(serverProcess)"])
                } catch {
                    // A shutdown cancels the lease: nothing went wrong.
                    if Task.isCancelled { break }
                    logger.warning("database connection not renewed", metadata: FailureReport.metadata(error, operation: "database.renew"))
                }
            }
        }
    }
}
