import InvoicingService
import Logging
import ServiceLifecycle
import TenantRegistry

/// Keeps the schema of every current tenant in the directory's memory: loaded once the start-up
/// checks are done, then again twice per time an entry is kept, so that a list for a tenant nobody
/// read in the last minute costs one statement, like a list for a busy one.
package struct TenantSchemaWarmer: Service {
    let tenants: TenantDirectory
    let logger: Logger

    package init(tenants: TenantDirectory, logger: Logger) {
        self.tenants = tenants
        self.logger = logger
    }

    /// About 200 bytes each with the schema's name: some 20 MB at most. Tenants beyond it are
    /// looked up on their first read.
    static let limit = 100_000

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let count = try await tenants.rememberCurrentSchemas(limit: Self.limit)
                    logger.debug("tenant schemas remembered", metadata: ["count": "\(count)"])
                } catch {
                    // A shutdown cancels the statement: nothing went wrong.
                    if Task.isCancelled { break }
                    logger.warning("tenant schemas not loaded", metadata: FailureReport.metadata(error, operation: "tenants.warm"))
                }
                try? await Task.sleep(for: tenants.schemasRememberedFor / 2)
            }
        }
    }
}
