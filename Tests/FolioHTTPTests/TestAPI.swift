import AsyncHTTPClient
import FolioDomain
import FolioHTTP
import FolioTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InvoiceboxAdapter
import InvoiceboxSandbox
import InvoicingService
import NIOCore
import NIOPosix
import NIOFoundationCompat
import PostgresNIO
import StatusUpdater
import Prometheus
import ServiceLifecycle
import TenantRegistry
import TokenVault

/// Folio's router over a fresh database, driven in-process, with a platform key configured.
struct TestAPI {
    let client: any TestClientProtocol
    let platformKey: String
    /// The database behind the API, for arranging failures.
    let database: PostgresClient
    /// The simulated provider the API talks to, and its address.
    let sandbox: InvoiceboxSandbox
    let sandboxURL: URL
    /// The job that finishes pending invoices, run by hand in tests.
    let recovery: InvoiceRecovery
    /// The invoices behind the API, for building background jobs in tests.
    let book: InvoiceBook
    static let maximumInvoiceAmount: Int64 = 100_000_000

    /// - Parameters:
    ///   - logs: where the application logs, when a test reads the log.
    ///   - listening: also serve the API on a real port that is each order's notification URL,
    ///     so that the sandbox's own notifications reach Folio.
    ///   - confirmation: when notifications are confirmed by reading the order.
    ///   - notificationSafeguards: the notification endpoint's limits; by default too high for a test to reach.
    ///   - notificationProvider: wraps the provider the notification endpoint reads orders from.
    ///   - metricsKey: the bearer key `GET /metrics` requires, if any.
    static func run(
        logs: CapturedLogs? = nil,
        listening: Bool = false,
        confirmation: NotificationReceiver.Confirmation = .always,
        notificationSafeguards: NotificationReceiver.Safeguards = TestAPI.unlimitedNotifications,
        notificationProvider: @escaping @Sendable (any PaymentProvider) -> any PaymentProvider = { $0 },
        metricsKey: String? = nil,
        _ body: @escaping @Sendable (TestAPI) async throws -> Void
    ) async throws {
        let metrics = TestMetrics.registry
        try await TestDatabase.withFresh { database in
            let logger = logs?.logger(label: "folio.test") ?? TestDatabase.logger
            let sandboxConfiguration = SandboxConfiguration.fast
            let sandbox = InvoiceboxSandbox(configuration: sandboxConfiguration, logger: logger)
            try await sandbox.withRunningServer { sandboxURL in
                let platformKey = APIKey.generate()
                let runner = MigrationRunner(client: database, migrations: TestDatabase.migrations, logger: logger)
                var client = InvoiceboxClientConfiguration()
                client.backoffBase = .milliseconds(10)
                let provider = InvoiceboxGateway(http: .shared, configuration: client, logger: logger)
                let tenants = TenantDirectory(client: database, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
                let invoicing = InvoicingSetup(
                    client: database,
                    vault: SecretVault(client: database, keys: KeyRing([KeyEncryptionKey(id: "test", material: Data(repeating: 7, count: 32))])!, logger: logger),
                    provider: provider,
                    partner: PartnerCredentials(partnerID: sandboxConfiguration.partnerID, token: Secret(sandboxConfiguration.partnerToken), baseURL: sandboxURL),
                    providerBaseURL: sandboxURL,
                    logger: logger,
                    reinviteInterval: .zero
                )
                let port = listening ? try await Self.freePort() : 9
                let invoices = InvoiceBook(
                    tenants: tenants, setup: invoicing, provider: provider, publicBaseURL: URL(string: "http://127.0.0.1:\(port)")!,
                    maximumAmount: TestAPI.maximumInvoiceAmount, logger: logger
                )
                let handler = FolioAPIHandler(
                    tenants: tenants,
                    keys: APIKeyStore(client: database, configuredPlatformKeys: [platformKey], logger: logger),
                    invoicing: invoicing,
                    invoices: invoices,
                    idempotency: IdempotencyStore(tenants: tenants, logger: logger),
                    events: EventFeed(client: database, logger: logger),
                    notifications: NotificationReceiver(
                        tenants: tenants, setup: invoicing, book: invoices, provider: notificationProvider(provider), confirmation: confirmation,
                        safeguards: notificationSafeguards, logger: logger
                    ),
                    readiness: { (try? await runner.isUpToDate()) ?? false },
                    metrics: metrics
                )
                let recovery = InvoiceRecovery(client: database, book: invoices, logger: logger)
                let app = Application(
                    router: try FolioApplication.buildRouter(handler: handler, metricsKey: metricsKey.map(Secret.init)), logger: logger
                )
                let test: @Sendable () async throws -> Void = {
                    try await app.test(.router) { client in
                        try await body(TestAPI(
                            client: client, platformKey: platformKey.secret, database: database, sandbox: sandbox, sandboxURL: sandboxURL,
                            recovery: recovery, book: invoices
                        ))
                    }
                }
                if listening {
                    let server = Application(
                        router: try FolioApplication.buildRouter(handler: handler),
                        configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
                        logger: logger
                    )
                    let services = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [], logger: logger))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await services.run() }
                        do {
                            try await test()
                        } catch {
                            await services.triggerGracefulShutdown()
                            throw error
                        }
                        await services.triggerGracefulShutdown()
                        try await group.waitForAll()
                    }
                } else {
                    try await test()
                }
            }
        }
    }

    /// Rate limits no test reaches, and no reuse of a confirming read, unless a test asks for them.
    static var unlimitedNotifications: NotificationReceiver.Safeguards {
        var safeguards = NotificationReceiver.Safeguards()
        safeguards.perTenant = RateLimit(requests: 1_000_000, window: .seconds(1))
        safeguards.perSource = RateLimit(requests: 1_000_000, window: .seconds(1))
        safeguards.confirmingReadReuse = .zero
        return safeguards
    }

    /// A port nothing listens on now, found by binding to port 0 and letting go.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    /// Sends a request and returns the response, with the platform key unless `key` says otherwise.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        key: String?? = .none,
        json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        let bearer: String? = switch key {
        case .none: platformKey
        case .some(let explicit): explicit
        }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(string: json)
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body)
    }

    /// Registers a tenant through the API and returns its id.
    func createTenant(_ externalID: String) async throws -> String {
        let response = try await send(.post, "/v1/tenants", json: #"{"externalId":"\#(externalID)"}"#)
        guard response.status == .created, let id = try response.json()["id"] as? String else {
            throw UnexpectedResponse(status: response.status, body: String(buffer: response.body))
        }
        return id
    }

    /// Issues a tenant key through the API.
    func createTenantKey(_ tenantID: String) async throws -> String {
        let response = try await send(.post, "/v1/tenants/\(tenantID)/api-keys", json: "{}")
        guard response.status == .created, let key = try response.json()["key"] as? String else {
            throw UnexpectedResponse(status: response.status, body: String(buffer: response.body))
        }
        return key
    }
}

struct UnexpectedResponse: Error {
    let status: HTTPResponse.Status
    let body: String
}

extension TestResponse {
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(buffer: body))
        return object as? [String: Any] ?? [:]
    }

    /// The problem's `code`, checking on the way that the answer really is a problem document.
    var problemCode: String? {
        guard headers[.contentType] == "application/problem+json" else { return nil }
        return (try? json())?["code"] as? String
    }
}
