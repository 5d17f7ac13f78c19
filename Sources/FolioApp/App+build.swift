import AsyncHTTPClient
import FakturowniaAdapter
import FolioHTTP
import Foundation
import Hummingbird
import InvoiceboxAdapter
import InvoicingService
import Logging
import NIOCore
import PaymentsPort
import PostgresNIO
import Prometheus
import ServiceLifecycle
import StatusUpdater
import TenantRegistry
import TokenVault

/// Folio as `buildApplication` returns it.
package typealias FolioServerApplication = Application<RouterResponder<FolioRequestContext>>

/// The objects behind the API, for tests and benchmarks that arrange data or run a job by hand.
package struct FolioComponents: Sendable {
    package let database: PostgresClient
    package let tenants: TenantDirectory
    package let invoicing: InvoicingSetup
    package let book: InvoiceBook
    package let recovery: InvoiceRecovery
    /// The provider the application calls, for measuring it on its own.
    package let provider: any PaymentProvider
    /// The one HTTP client of the process, shut down by the application after the server stops.
    package let httpClient: HTTPClient
}

/// Wires every part of Folio into one application: the API, the provider's notification route,
/// the background jobs, and the checks run before the first request. `folio serve`, `folio dev`,
/// the tests and the benchmarks all start Folio through it.
///
/// Logging and metrics are bootstrapped by the caller, once per process, so this may be called
/// any number of times.
///
/// - Parameters:
///   - metrics: the registry `GET /metrics` exports (the one the caller bootstrapped).
///   - makeLogger: the logger of each part, by label.
///   - onServerRunning: called once the server listens, with its channel (and so its port).
///   - notificationProvider: wraps the provider the notification route confirms with.
package func buildApplication(
    configuration: FolioAppConfiguration,
    metrics: PrometheusCollectorRegistry,
    makeLogger: @escaping @Sendable (String) -> Logger = { Logger(label: $0) },
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in },
    notificationProvider: (any PaymentProvider) -> any PaymentProvider = { $0 }
) throws -> (application: FolioServerApplication, components: FolioComponents) {
    let logger = makeLogger("folio")
    var services: [any Service] = []
    let database: PostgresClient
    let tenantConnections: TenantConnections?
    switch configuration.database {
    case .url(let url):
        database = PostgresClient(configuration: url.configuration, backgroundLogger: logger)
        services.append(database)
        let own = TenantConnections(configuration: url.connectionConfiguration, count: url.tenantConnections, logger: logger)
        services.append(own)
        tenantConnections = own
    case .running(let client, let connections):
        database = client
        tenantConnections = connections
    }
    // Redirects are refused, so that a redirected write is an error rather than a second request
    // somewhere else. The pool is sized for the provider's latency rather than AsyncHTTPClient's
    // default of 8 connections per host: every tenant's creates and confirming reads go to one
    // host, and each waits a provider round trip, so 8 would cap a replica at 8 calls in flight.
    var httpConfiguration = HTTPClient.Configuration(redirectConfiguration: .disallow)
    httpConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
    let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
    services.append(HTTPClientShutdown(client: httpClient))

    let runner = MigrationRunner(
        client: database, migrations: configuration.migrations, logger: makeLogger("folio.migrate"),
        concurrency: configuration.migrationConcurrency
    )
    let vault = SecretVault(client: database, keys: configuration.vaultKeys, logger: makeLogger("folio.vault"))
    let tenants = TenantDirectory(
        client: database, tenantMigrations: configuration.migrations.tenant, logger: makeLogger("folio.registry"),
        tenantConnections: tenantConnections, preparesStatements: configuration.database.preparesStatements
    )
    let invoicebox = InvoiceboxGateway(http: httpClient, configuration: configuration.invoiceboxClient, logger: makeLogger("folio.invoicebox"))
    let fakturownia = FakturowniaGateway(http: httpClient, configuration: configuration.fakturownia.client, logger: makeLogger("folio.fakturownia"))
    let provider = ProviderSwitch(primary: invoicebox, others: [FakturowniaProvider(gateway: fakturownia, logger: makeLogger("folio.fakturownia"))])
    let onboarding: [any AccountOnboarding] = [
        FakturowniaOnboarding(
            gateway: fakturownia, partner: configuration.fakturownia.partner, integrationToken: configuration.fakturownia.integrationToken,
            accountURLTemplate: configuration.fakturownia.accountURLTemplate)
    ]
    let invoicing = InvoicingSetup(
        client: database, vault: vault, provider: provider, partner: configuration.invoiceboxPartner,
        providerBaseURL: configuration.invoiceboxBaseURL, logger: makeLogger("folio.invoicing"),
        reinviteInterval: configuration.reinviteInterval, onboarding: onboarding, publicBaseURL: configuration.publicBaseURL,
        preparesStatements: configuration.database.preparesStatements
    )
    let book = InvoiceBook(
        tenants: tenants, setup: invoicing, provider: provider, publicBaseURL: configuration.publicBaseURL,
        maximumAmount: configuration.maximumInvoiceAmount, logger: makeLogger("folio.invoices")
    )
    let heartbeat = ReplicaHeartbeat(client: database, logger: makeLogger("folio.replica"))
    let startupDone = StartupGate()
    services.append(AfterStartup(gate: startupDone, service: heartbeat))
    services.append(AfterStartup(gate: startupDone, service: TenantSchemaWarmer(tenants: tenants, logger: makeLogger("folio.registry"))))
    let handler = FolioAPIHandler(
        tenants: tenants,
        keys: APIKeyStore(client: database, configuredPlatformKeys: configuration.platformKeys, logger: makeLogger("folio.auth")),
        invoicing: invoicing,
        invoices: book,
        idempotency: IdempotencyStore(tenants: tenants, logger: makeLogger("folio.idempotency"), replicaID: heartbeat.replicaID),
        events: EventFeed(client: database, logger: makeLogger("folio.events")),
        readiness: { (try? await runner.isUpToDate()) ?? false },
        metrics: metrics,
        sessions: SessionTokens(keys: configuration.sessionKeys),
        browserBaseURL: configuration.browserBaseURL
    )
    let notifications = NotificationReceiver(
        tenants: tenants, setup: invoicing, provider: notificationProvider(provider),
        confirmation: configuration.notificationConfirmation, safeguards: configuration.notificationSafeguards,
        logger: makeLogger("folio.notifications")
    )

    let accountChanges = AccountChangeReceiver(
        tenants: tenants, setup: invoicing, book: book, provider: provider, onboarding: onboarding, logger: makeLogger("folio.account-changes"))

    let recovery = InvoiceRecovery(client: database, book: book, logger: makeLogger("folio.recovery"))
    if configuration.runsBackgroundJobs {
        var jobs: [any Service] = [
            recovery,
            Reconciler(client: database, book: book, logger: makeLogger("folio.reconciliation")),
            AccountReconciler(
                client: database, book: book, accountProviders: Set(onboarding.map(\.provider)), logger: makeLogger("folio.account-reconciliation"),
                interval: configuration.accountReconciliationInterval),
            DataRetention(client: database, tenants: tenants, days: configuration.retentionDays, logger: makeLogger("folio.retention")),
            RefundPoller(client: database, book: book, logger: makeLogger("folio.refunds")),
        ]
        if let webhook = configuration.hostWebhook {
            jobs.append(EventDispatcher(client: database, http: httpClient, webhook: webhook, logger: makeLogger("folio.webhooks")))
        } else {
            logger.info("no FOLIO_HOST_WEBHOOK_URL: events are only in the feed")
        }
        services += jobs.map { AfterStartup(gate: startupDone, service: $0) }
    }

    let router = try FolioApplication.buildRouter(
        handler: handler, notifications: notifications, accountChanges: accountChanges, metricsKey: configuration.metricsKey,
        allowedOrigins: configuration.allowedOrigins
    )
    let boundPort = BoundPort()
    if let demo = configuration.demoHost {
        let loopback = ["0.0.0.0", "::", ""].contains(configuration.httpHost) ? "127.0.0.1" : configuration.httpHost
        let host = loopback.contains(":") ? "[\(loopback)]" : loopback
        DemoHost(configuration: demo, http: httpClient, folioPort: boundPort, folioHost: host, logger: makeLogger("folio.demo")).register(on: router)
    }
    var application = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: nil),
        services: services,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.httpPort
            boundPort.set(port)
            var metadata: Logger.Metadata = ["address": "\(configuration.httpHost):\(port)"]
            if case .url(let url) = configuration.database { metadata["database"] = "\(url.redacted)" }
            logger.info("folio listening", metadata: metadata)
            await onServerRunning(channel)
        },
        logger: logger
    )
    let startup = StartupChecks(
        runner: runner, migrationsAtStart: configuration.migrationsAtStart, vault: vault, heartbeat: heartbeat, logger: logger
    )
    application.beforeServerStarts {
        try await startup.run()
        startupDone.open()
    }
    return (
        application,
        FolioComponents(
            database: database, tenants: tenants, invoicing: invoicing, book: book, recovery: recovery, provider: provider,
            httpClient: httpClient
        )
    )
}
