import ArgumentParser
import AsyncHTTPClient
import FolioApp
import FolioDomain
import FolioHTTP
import Foundation
import HTTPServing
import Hummingbird
import InvoiceboxAdapter
import InvoiceboxSandbox
import InvoicingService
import Logging
import PaymentsPort
import PostgresNIO
import Prometheus
import StatusUpdater
import TenantRegistry
import TokenVault

/// Folio's API wired by `buildApplication`, as `folio serve` wires it, on a free loopback port,
/// for benchmarks.
struct Stack: Sendable {
    let database: PostgresClient
    let tenants: TenantDirectory
    let invoicing: InvoicingSetup
    let provider: any PaymentProvider
    /// Folio's HTTP client, for a benchmark's own calls with Folio's settings.
    let httpClient: HTTPClient
    let platformKey: String
    let logger: Logger

    /// Starts what the API benchmarks measure: PostgreSQL migrated, the sandbox, and the API on a
    /// free port (wired as `configure` leaves it), then runs `body` with them and the API's base URL.
    ///
    /// - Parameter connections: Folio's connections in all, of which `--tenant-connections` are
    ///   each kept for a share of the tenants.
    static func run(
        database options: BenchmarkDatabase,
        connections: Int,
        sandboxConfiguration: SandboxConfiguration,
        sandboxLogger: Logger? = nil,
        logger: Logger,
        configure: @escaping @Sendable (inout FolioAppConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (Stack, InvoiceboxSandbox, URL, String) async throws -> Void
    ) async throws {
        let sandbox = InvoiceboxSandbox(configuration: sandboxConfiguration, logger: sandboxLogger ?? logger)
        let ownCount = try options.tenantConnections(of: connections)
        let own = TenantConnections(configuration: try options.url().connectionConfiguration, count: ownCount, logger: logger)
        try await options.withMigrated(connections: connections - ownCount, logger: logger) { database, migrations in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await own.run() }
                defer { group.cancelAll() }
                try await sandbox.withRunningServer { sandboxURL in
                    let key = APIKey.generate()
                    var configuration = Self.configuration(database: database, migrations: migrations, sandboxURL: sandboxURL, platformKey: key)
                    configuration.database = .running(database, tenantConnections: own)
                    configure(&configuration)
                    let port = ListeningPort()
                    let (application, components) = try buildApplication(
                        configuration: configuration, metrics: PrometheusCollectorRegistry(), makeLogger: { _ in logger }, onServerRunning: port.report
                    )
                    let stack = Stack(
                        database: database, tenants: components.tenants, invoicing: components.invoicing, provider: components.provider,
                        httpClient: components.httpClient, platformKey: key.secret, logger: logger
                    )
                    try await port.serve(application) { apiURL in
                        try await body(stack, sandbox, sandboxURL, apiURL.absoluteString)
                    }
                }
            }
        }
    }

    /// The vault key of every benchmark stack: a fixed one, so that a `folio serve` started later
    /// on the same database (`FOLIO_VAULT_KEYS=bench:<base64>`) can read what a stack sealed.
    static let vaultKeyID = "bench"
    static let vaultKeyMaterial = Data(repeating: 3, count: 32)

    /// `folio serve`'s wiring, without background jobs, with limits no benchmark should measure.
    static func configuration(database: PostgresClient, migrations: MigrationSet, sandboxURL: URL, platformKey: APIKey) -> FolioAppConfiguration {
        var configuration = FolioAppConfiguration(
            database: .running(database),
            publicBaseURL: URL(string: "http://127.0.0.1:9")!,
            vaultKeys: KeyRing([KeyEncryptionKey(id: vaultKeyID, material: vaultKeyMaterial)])!,
            invoiceboxBaseURL: sandboxURL,
            migrations: migrations
        )
        configuration.httpPort = 0
        configuration.platformKeys = [platformKey]
        configuration.migrationsAtStart = .check
        configuration.runsBackgroundJobs = false
        // The benchmark measures Folio, not the provider's rate limit.
        configuration.invoiceboxClient.requestsPerWindow = 1_000_000
        configuration.invoiceboxClient.requestsPerAddress = 1_000_000
        // Every sender posts from this machine: the benchmark measures Folio, not the endpoint's rate limits.
        configuration.notificationSafeguards.perTenant = RateLimit(requests: 1_000_000, window: .seconds(1))
        configuration.notificationSafeguards.perSource = RateLimit(requests: 1_000_000, window: .seconds(1))
        return configuration
    }

    /// Connects the tenant to a sandbox shop, as `PUT …/invoicing/credentials` does.
    func connect(_ tenant: TenantID, shop: (id: String, token: String, notificationKey: String)) async throws {
        _ = try await invoicing.connect(tenant, merchantID: shop.id, token: Secret(shop.token), notificationKey: nil, apiVariant: nil, actor: "bench")
    }

    static let benchmarkRequest = InvoiceRequest(
        reservationID: "SZ-77120", description: "Stay at Hotel Aurora", currency: .rub,
        customer: OrderCustomer(kind: .private, name: "Irina Sokolova", email: "guest@example.org"),
        items: [
            .init(sku: "ROOM", name: "Standard room, 2 nights", quantity: 2, unitPrice: 450_000, vatCode: .twentyTwo),
            .init(sku: "BRKF", name: "Breakfast", quantity: 2, unitPrice: 85_050, vatCode: .ten),
        ]
    )

    /// `count` invoices in the tenant's schema, spread over the past year and over every status
    /// a panel shows, with the stored request and the priced lines Folio itself writes (a list
    /// then reads the lines as stored, not the request priced again). Written in a unit of work,
    /// so that a tenant's first invoices make its schema as its first write through the API would.
    func insertInvoices(_ tenant: TenantID, count: Int, request: InvoiceRequest, logger: Logger) async throws {
        guard count > 0 else { return }
        try await tenants.withTenant(tenant) { connection in
            try await insertInvoices(count: count, request: request, on: connection, logger: logger)
        }
    }

    private func insertInvoices(count: Int, request: InvoiceRequest, on connection: PostgresConnection, logger: Logger) async throws {
        let lines = InvoicingService.StoredLines(try InvoiceLine.lines(of: request))
        try await connection.query(
            """
            INSERT INTO invoices
                (id, reservation_id, status, currency, amount_minor, vat_amount_minor, description, request,
                 line_skus, line_names, line_quantities, line_unit_prices, line_amounts, line_vat_amounts, line_vat_codes,
                 provider_order_id, payment_url, expires_at, paid_at, created_at, updated_at)
            SELECT gen_random_uuid(), 'R-' || (g % 5000), (ARRAY['open', 'paid', 'paid', 'canceled', 'expired'])[1 + g % 5],
                   'RUB', 1070100, 177759, 'Stay at Hotel Aurora', \(request),
                   \(lines.skus), \(lines.names), \(lines.quantities), \(lines.unitPrices), \(lines.amounts), \(lines.vatAmounts), \(lines.vatCodes),
                   gen_random_uuid()::text,
                   'https://pay.example/' || g, now() + interval '3 days', CASE WHEN g % 5 IN (1, 2) THEN now() END,
                   now() - (g * interval '31 seconds'), now()
            FROM generate_series(1, \(count)) AS g
            """,
            logger: logger
        )
    }
}
