import ArgumentParser
import AsyncHTTPClient
import FolioHTTP
import Foundation
import Hummingbird
import InvoiceboxAdapter
import InvoicingService
import Logging
import Metrics
import PostgresNIO
import Prometheus
import ServiceLifecycle
import StatusUpdater
import TenantRegistry
import TokenVault

/// Wires the configured parts into one process and runs it until SIGTERM or SIGINT, then shuts
/// down gracefully: the server stops accepting, in-flight requests finish, the pool closes.
enum FolioServer {
    static func run(
        configuration: FolioConfiguration,
        migrate: Bool,
        onReady: (@Sendable () -> Void)? = nil
    ) async throws {
        let logger = Logger(label: "folio")
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))

        for setting in configuration.plainHTTPSettings {
            logger.warning(
                "plain http to a host beyond this machine: this traffic travels unencrypted unless a TLS proxy is in the path",
                metadata: ["setting": "\(setting)"]
            )
        }
        let migrations = try CommandSupport.loadMigrations(configuration)
        guard let vaultKeys = KeyRing(configuration.vaultKeys) else {
            CommandSupport.printError("FOLIO_VAULT_KEYS: is required")
            throw ExitCode(78)
        }
        let client = PostgresClient(configuration: configuration.database.configuration, backgroundLogger: logger)
        let runner = MigrationRunner(
            client: client,
            migrations: migrations,
            logger: Logger(label: "folio.migrate"),
            concurrency: configuration.migrationConcurrency
        )
        // One HTTP client for the process; redirects are refused so that a redirected write is
        // an error rather than a second request somewhere else.
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(redirectConfiguration: .disallow)
        )
        let vault = SecretVault(client: client, keys: vaultKeys, logger: Logger(label: "folio.vault"))
        var partner: PartnerCredentials?
        if let partnerID = configuration.invoiceboxPartnerID, let token = configuration.invoiceboxPartnerToken {
            partner = PartnerCredentials(partnerID: partnerID, token: token, baseURL: configuration.invoiceboxBaseURL)
        }
        let tenants = TenantDirectory(client: client, tenantMigrations: migrations.tenant, logger: Logger(label: "folio.registry"))
        let provider = InvoiceboxGateway(http: httpClient, logger: Logger(label: "folio.invoicebox"))
        let invoicing = InvoicingSetup(
            client: client, vault: vault, provider: provider,
            partner: partner, providerBaseURL: configuration.invoiceboxBaseURL, logger: Logger(label: "folio.invoicing")
        )
        let invoices = InvoiceBook(
            tenants: tenants, setup: invoicing, provider: provider, publicBaseURL: configuration.publicBaseURL,
            maximumAmount: configuration.maximumInvoiceAmount, logger: Logger(label: "folio.invoices")
        )
        let heartbeat = ReplicaHeartbeat(client: client, logger: Logger(label: "folio.replica"))
        let handler = FolioAPIHandler(
            tenants: tenants,
            keys: APIKeyStore(client: client, configuredPlatformKeys: configuration.platformKeys, logger: Logger(label: "folio.auth")),
            invoicing: invoicing,
            invoices: invoices,
            idempotency: IdempotencyStore(tenants: tenants, logger: Logger(label: "folio.idempotency"), replicaID: heartbeat.replicaID),
            events: EventFeed(client: client, logger: Logger(label: "folio.events")),
            notifications: NotificationReceiver(
                tenants: tenants, setup: invoicing, book: invoices, provider: provider,
                confirmation: configuration.notificationConfirmation, safeguards: configuration.notificationSafeguards,
                logger: Logger(label: "folio.notifications")
            ),
            readiness: { (try? await runner.isUpToDate()) ?? false },
            metrics: metrics
        )
        let recovery = InvoiceRecovery(client: client, book: invoices, logger: Logger(label: "folio.recovery"))
        let reconciler = Reconciler(client: client, book: invoices, logger: Logger(label: "folio.reconciliation"))
        let retention = DataRetention(
            client: client, tenants: tenants, days: configuration.retentionDays, logger: Logger(label: "folio.retention")
        )
        let refundPoller = RefundPoller(client: client, book: invoices, logger: Logger(label: "folio.refunds"))
        var services: [any Service] = [client, heartbeat, recovery, reconciler, retention, refundPoller]
        if let url = configuration.hostWebhookURL, let secret = configuration.hostWebhookSecret, let signer = WebhookSigner(secret: secret) {
            services.append(EventDispatcher(
                client: client, http: httpClient, webhook: HostWebhook(url: url, signer: signer), logger: Logger(label: "folio.webhooks")
            ))
        } else {
            logger.info("no FOLIO_HOST_WEBHOOK_URL: events are only in the feed")
        }

        var app = Application(
            router: try FolioApplication.buildRouter(handler: handler, metricsKey: configuration.metricsKey),
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: nil),
            services: services,
            logger: logger
        )
        app.beforeServerStarts {
            if migrate {
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
            } else if try await !runner.isUpToDate() {
                logger.warning("registry migrations are pending; readiness reports 503 until `folio migrate` runs")
            }
            let behind = try await runner.tenantSchemasBehind()
            Gauge(label: "folio_tenant_schemas_behind").record(behind)
            if behind > 0 {
                logger.warning("tenant schemas are behind the latest migration", metadata: ["count": "\(behind)"])
            }
            try await vault.checkEveryRecordHasItsKey()
            try await verifyKeyCheckValues(vault, logger: logger)
            // Alive before the first request, so that no other replica takes this one's keys over.
            // A failure (the registry migrations pending with --no-migrate) is retried by the service.
            do {
                try await heartbeat.beat()
            } catch {
                logger.warning("replica heartbeat not recorded yet", metadata: FailureReport.metadata(error, operation: "replica.heartbeat"))
            }
            logger.info(
                "folio listening",
                metadata: ["address": "\(configuration.httpHost):\(configuration.httpPort)", "database": "\(configuration.database.redacted)"]
            )
            onReady?()
        }
        // The client is shut down on every path, after the server has stopped.
        let outcome: Result<Void, any Error>
        do {
            try await app.runService()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try? await httpClient.shutdown()
        do {
            try outcome.get()
        } catch let error as MigrationError {
            CommandSupport.printError(error.description)
            throw ExitCode.failure
        } catch let error as VaultError {
            CommandSupport.printError(error.description)
            throw ExitCode(78)
        }
    }

    /// Refuses a configured KEK whose bytes differ from those first used under its id. Skipped,
    /// with a warning, while the registry migration that holds the check values is pending
    /// (`--no-migrate`); the next start after `folio migrate` checks.
    static func verifyKeyCheckValues(_ vault: SecretVault, logger: Logger) async throws {
        do {
            try await vault.verifyKeyCheckValues()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P01" {
            logger.warning("vault key check values are not verified until the registry migrations are applied")
        }
    }
}
