import InvoicingService
import Logging
import Metrics
import PostgresNIO
import TenantRegistry
import TokenVault

/// What runs before the server takes its first request: the migrations, the checks that the
/// vault's keys are the ones its records need, and a first heartbeat.
struct StartupChecks: Sendable {
    let runner: MigrationRunner
    let migrationsAtStart: FolioAppConfiguration.MigrationsAtStart
    let vault: SecretVault
    let heartbeat: ReplicaHeartbeat
    let logger: Logger

    func run() async throws {
        switch migrationsAtStart {
        case .apply:
            do {
                let report = try await runner.run()
                logger.info(
                    "migrations applied",
                    metadata: [
                        "registry.files": "\(report.registryApplied)",
                        "tenant.schemas": "\(report.tenantSchemasMigrated)",
                        "tenant.files": "\(report.tenantFilesApplied)",
                    ]
                )
            } catch MigrationError.tenantSchemasFailed(let failures) {
                // One broken tenant must not keep every replica down: the others are served,
                // and requests for the failed tenants answer 503 until `folio migrate` succeeds.
                logger.error(
                    "some tenant schemas failed to migrate; serving the others",
                    metadata: ["schemas": "\(failures.map(\.schema).joined(separator: ","))"]
                )
            }
        case .check:
            if try await !runner.isUpToDate() {
                logger.warning("registry migrations are pending; readiness reports 503 until `folio migrate` runs")
            }
        }
        let behind = try await runner.tenantSchemasBehind()
        Gauge(label: "folio_tenant_schemas_behind").record(behind)
        if behind > 0 {
            logger.warning("tenant schemas are behind the latest migration", metadata: ["count": "\(behind)"])
        }
        try await vault.checkEveryRecordHasItsKey()
        try await verifyKeyCheckValues()
        // Alive before the first request, so that no other replica takes this one's keys over.
        // A failure (the registry migrations pending with --no-migrate) is retried by the service.
        do {
            try await heartbeat.beat()
        } catch {
            logger.warning("replica heartbeat not recorded yet", metadata: FailureReport.metadata(error, operation: "replica.heartbeat"))
        }
    }

    /// Refuses a configured KEK whose bytes differ from those first used under its id. Skipped,
    /// with a warning, while the registry migration that holds the check values is pending
    /// (`--no-migrate`); the next start after `folio migrate` checks.
    private func verifyKeyCheckValues() async throws {
        do {
            _ = try await vault.verifyKeyCheckValues()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P01" {
            logger.warning("vault key check values are not verified until the registry migrations are applied")
        }
    }
}
