import InvoiceboxSandbox
import ArgumentParser
import AsyncHTTPClient
import FolioDomain
import FolioHTTP
import Foundation
import Hummingbird
import InvoiceboxAdapter
import InvoicingService
import Logging
import PostgresNIO
import Prometheus
import StatusUpdater
import TenantRegistry
import TokenVault

/// Folio's API wired as `folio serve` wires it, on a free loopback port, for benchmarks.
struct Stack: Sendable {
    let database: PostgresClient
    let tenants: TenantDirectory
    let invoicing: InvoicingSetup
    let provider: InvoiceboxGateway
    let handler: FolioAPIHandler
    let platformKey: String
    let logger: Logger

    init(database: PostgresClient, migrations: MigrationSet, sandboxURL: URL, logger: Logger) throws {
        self.database = database
        self.logger = logger
        tenants = TenantDirectory(client: database, tenantMigrations: migrations.tenant, logger: logger)
        // The benchmark measures Folio, not the provider's rate limit.
        var client = InvoiceboxClientConfiguration()
        client.requestsPerWindow = 1_000_000
        provider = InvoiceboxGateway(http: .shared, configuration: client, logger: logger)
        let vault = SecretVault(client: database, keys: KeyRing([KeyEncryptionKey(id: "bench", material: Data(repeating: 3, count: 32))])!, logger: logger)
        invoicing = InvoicingSetup(client: database, vault: vault, provider: provider, partner: nil, providerBaseURL: sandboxURL, logger: logger)
        let key = APIKey.generate()
        platformKey = key.secret
        let invoices = InvoiceBook(
            tenants: tenants, setup: invoicing, provider: provider, publicBaseURL: URL(string: "http://127.0.0.1:9")!,
            maximumAmount: 1_000_000_000, logger: logger
        )
        // Every sender posts from this machine: the benchmark measures Folio, not the endpoint's rate limits.
        var safeguards = NotificationReceiver.Safeguards()
        safeguards.perTenant = RateLimit(requests: 1_000_000, window: .seconds(1))
        safeguards.perSource = RateLimit(requests: 1_000_000, window: .seconds(1))
        handler = FolioAPIHandler(
            tenants: tenants,
            keys: APIKeyStore(client: database, configuredPlatformKeys: [key], logger: logger),
            invoicing: invoicing,
            invoices: invoices,
            idempotency: IdempotencyStore(tenants: tenants, logger: logger),
            events: EventFeed(client: database, logger: logger),
            notifications: NotificationReceiver(
                tenants: tenants, setup: invoicing, book: invoices, provider: provider, confirmation: .always, safeguards: safeguards, logger: logger
            ),
            readiness: { true },
            metrics: PrometheusCollectorRegistry()
        )
    }

    /// Serves the API until `body` returns.
    func serve(_ body: @Sendable (String) async throws -> Void) async throws {
        try await serveOnFreePort(try FolioApplication.buildRouter(handler: handler), logger: logger, body)
    }

    /// Starts what the API benchmarks measure: PostgreSQL migrated, the sandbox, and the API on a
    /// free port, then runs `body` with them and the API's base URL.
    static func run(
        migrationsDirectory: String,
        connections: Int,
        sandboxConfiguration: SandboxConfiguration,
        sandboxLogger: Logger? = nil,
        logger: Logger,
        _ body: @escaping @Sendable (Stack, InvoiceboxSandbox, URL, String) async throws -> Void
    ) async throws {
        guard let url = ProcessInfo.processInfo.environment["FOLIO_DATABASE_URL"] else {
            throw ValidationError("set FOLIO_DATABASE_URL (scripts/bench.sh does)")
        }
        let migrationSet = try MigrationSet.load(from: URL(fileURLWithPath: migrationsDirectory, isDirectory: true))
        var configuration = try DatabaseURL(url).configuration
        configuration.options.maximumConnections = connections
        let database = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let sandbox = InvoiceboxSandbox(configuration: sandboxConfiguration, logger: sandboxLogger ?? logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            defer { group.cancelAll() }
            _ = try await MigrationRunner(client: database, migrations: migrationSet, logger: logger).run()
            try await sandbox.withRunningServer { sandboxURL in
                let stack = try Stack(database: database, migrations: migrationSet, sandboxURL: sandboxURL, logger: logger)
                try await stack.serve { apiURL in
                    try await body(stack, sandbox, sandboxURL, apiURL)
                }
            }
        }
    }

    /// Connects the tenant to a sandbox shop, as `PUT …/invoicing/credentials` does.
    func connect(_ tenant: TenantID, shop: (id: String, token: String, notificationKey: String)) async throws {
        _ = try await invoicing.connect(tenant, merchantID: shop.id, token: Secret(shop.token), notificationKey: nil, apiPrefix: .v3, actor: "bench")
    }

    static let benchmarkRequest = InvoiceRequest(
        reservationID: "SZ-77120", description: "Stay at Hotel Aurora", currency: "RUB",
        customer: OrderCustomer(kind: .private, name: "Irina Sokolova", email: "guest@example.org"),
        items: [
            .init(sku: "ROOM", name: "Standard room, 2 nights", quantity: 2, unitPrice: 450_000, vatCode: "RUS_VAT22"),
            .init(sku: "BRKF", name: "Breakfast", quantity: 2, unitPrice: 85_050, vatCode: "RUS_VAT10"),
        ]
    )

    /// `count` invoices in the tenant's schema, spread over the past year and over every status
    /// a panel shows, with the stored request Folio itself writes.
    func insertInvoices(_ tenant: TenantID, count: Int, request: InvoiceRequest, logger: Logger) async throws {
        guard count > 0 else { return }
        try await database.query(
            """
            INSERT INTO \(unescaped: quotedIdentifier(tenant.schemaName)).invoices
                (id, reservation_id, status, currency, amount_minor, vat_amount_minor, description, request,
                 provider_order_id, payment_url, expires_at, paid_at, created_at, updated_at)
            SELECT gen_random_uuid(), 'R-' || (g % 5000), (ARRAY['open', 'paid', 'paid', 'canceled', 'expired'])[1 + g % 5],
                   'RUB', 1070100, 177759, 'Stay at Hotel Aurora', \(request), gen_random_uuid()::text,
                   'https://pay.example/' || g, now() + interval '3 days', CASE WHEN g % 5 IN (1, 2) THEN now() END,
                   now() - (g * interval '31 seconds'), now()
            FROM generate_series(1, \(count)) AS g
            """,
            logger: logger
        )
    }
}

/// Serves `router` on a free loopback port until `body`, given the base URL, returns.
func serveOnFreePort<Context: RequestContext>(
    _ router: Router<Context>,
    logger: Logger,
    _ body: @Sendable (String) async throws -> Void
) async throws where Context.Source == ApplicationRequestContextSource {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        },
        logger: logger
    )
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        defer { group.cancelAll() }
        try await body("http://127.0.0.1:\(port)")
    }
}
