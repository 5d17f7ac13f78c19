import AsyncHTTPClient
import FakturowniaAdapter
import FakturowniaSandbox
import FolioApp
import FolioDomain
import FolioHTTP
import FolioTestSupport
import Foundation
import HTTPServing
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InvoiceboxAdapter
import InvoiceboxSandbox
import InvoicingService
import NIOCore
import NIOFoundationCompat
import PaymentsPort
import PostgresNIO
import Prometheus
import ServiceLifecycle
import StatusUpdater
import Synchronization
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
    /// The simulated Fakturownia, when the test asked for one, and its address.
    var fakturownia: FakturowniaSandbox? = nil
    var fakturowniaURL: URL? = nil
    /// The job that finishes pending invoices, run by hand in tests.
    let recovery: InvoiceRecovery
    /// The invoices behind the API, for building background jobs in tests.
    let book: InvoiceBook
    /// The application's HTTP client (redirects refused), for jobs a test builds by hand.
    let httpClient: HTTPClient
    static let maximumInvoiceAmount: Int64 = 100_000_000

    /// - Parameters:
    ///   - logs: where the application logs, when a test reads the log.
    ///   - listening: also serve the API on a real port that is each order's notification URL,
    ///     so that the sandbox's own notifications reach Folio.
    ///   - confirmation: when notifications are confirmed by reading the order.
    ///   - notificationSafeguards: the notification endpoint's limits; by default too high for a test to reach.
    ///   - notificationProvider: wraps the provider the notification endpoint reads orders from.
    ///   - metricsKey: the bearer key `GET /metrics` requires, if any.
    ///   - sandboxConfiguration: how the simulated provider behaves where the reference leaves a choice.
    ///   - applicationDatabaseURL: where the application opens its own pool, given the test
    ///     database's name (e.g. through a pooler); by default it shares `database`, which stays
    ///     a direct connection either way.
    static func run(
        logs: CapturedLogs? = nil,
        listening: Bool = false,
        confirmation: NotificationReceiver.Confirmation = .always,
        notificationSafeguards: NotificationReceiver.Safeguards = TestAPI.unlimitedNotifications,
        notificationProvider: @escaping @Sendable (any PaymentProvider) -> any PaymentProvider = { $0 },
        metricsKey: String? = nil,
        invoiceboxBaseURL: URL? = nil,
        applicationDatabaseURL: (@Sendable (_ databaseName: String) throws -> DatabaseURL)? = nil,
        sandboxConfiguration: SandboxConfiguration = .fast,
        fakturownia fakturowniaConfiguration: FakturowniaConfiguration? = nil,
        _ body: @escaping @Sendable (TestAPI) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh { database in
            let logger = logs?.logger(label: "folio.test") ?? TestDatabase.logger
            let sandbox = InvoiceboxSandbox(configuration: sandboxConfiguration, logger: logger)
            let fakturownia = fakturowniaConfiguration.map { FakturowniaSandbox(configuration: $0, logger: logger) }
            try await Self.withRunning(fakturownia) { fakturowniaURL in
                try await sandbox.withRunningServer { sandboxURL in
                    let platformKey = APIKey.generate()
                    var configuration = Self.configuration(
                        database: database, invoiceboxBaseURL: invoiceboxBaseURL ?? sandboxURL, platformKey: platformKey
                    )
                    // The paging spelling the adapter's probe would find, known in advance, so that
                    // a fault a test arms for a list is not spent by the probe; and a port used again
                    // by a later test's sandbox, with other settings, starts from what this one takes.
                    let dialects = ProviderDialects()
                    await dialects.remember(
                        sandboxConfiguration.pagingSpelling == .documented ? .documented : .underscored, for: invoiceboxBaseURL ?? sandboxURL)
                    configuration.invoiceboxClient.dialects = dialects
                    configuration.notificationConfirmation = confirmation
                    configuration.notificationSafeguards = notificationSafeguards
                    if let fakturowniaURL, let fakturowniaConfiguration {
                        configuration.fakturownia.accountURLTemplate = fakturowniaURL.absoluteString + "/{prefix}"
                        configuration.fakturownia.partnerPrefix = fakturowniaConfiguration.partnerPrefix
                        configuration.fakturownia.partnerToken = Secret(fakturowniaConfiguration.partnerAPIToken)
                        configuration.fakturownia.integrationToken = Secret(fakturowniaConfiguration.integrationToken)
                        configuration.fakturownia.client.backoffBase = .milliseconds(10)
                    }
                    configuration.metricsKey = metricsKey.map(Secret.init)
                    if let applicationDatabaseURL {
                        let name = try await database.scalar("SELECT current_database()", as: String.self) ?? ""
                        configuration.database = .url(try applicationDatabaseURL(name))
                    }
                    let start: @Sendable (FolioAppConfiguration, ResponderRelay?) async throws -> Void = { configuration, relay in
                        let (app, components) = try buildApplication(
                            configuration: configuration, metrics: TestMetrics.registry, makeLogger: { _ in logger },
                            notificationProvider: notificationProvider
                        )
                        relay?.forward(to: app.responder)
                        try await app.test(.router) { client in
                            try await body(
                                TestAPI(
                                    client: client, platformKey: platformKey.secret, database: database, sandbox: sandbox, sandboxURL: sandboxURL,
                                    fakturownia: fakturownia, fakturowniaURL: fakturowniaURL,
                                    recovery: components.recovery, book: components.book, httpClient: components.httpClient
                                ))
                        }
                    }
                    guard listening else {
                        try await start(configuration, nil)
                        return
                    }
                    // The same routes on a real port, each order's notification URL, so that the
                    // sandbox's own notifications reach Folio. The port comes first, the application
                    // that answers on it after, since its address goes into every order.
                    let relay = ResponderRelay()
                    try await serveOnFreePort(responding: relay, logger: logger) { url in
                        configuration.publicBaseURL = url
                        try await start(configuration, relay)
                    }
                }
            }
        }
    }

    /// Runs `body` with the Fakturownia simulator serving, when there is one.
    private static func withRunning(_ fakturownia: FakturowniaSandbox?, _ body: @Sendable (URL?) async throws -> Void) async throws {
        guard let fakturownia else { return try await body(nil) }
        try await fakturownia.withRunningServer { url in try await body(url) }
    }

    /// The wiring of `folio serve` over a test database: no background jobs (tests run them by
    /// hand), the migrations its fixture applied, short provider back-offs and no rate limits.
    static func configuration(database: PostgresClient, invoiceboxBaseURL: URL, platformKey: APIKey) -> FolioAppConfiguration {
        let sandbox = SandboxConfiguration.fast
        var configuration = FolioAppConfiguration(
            database: .running(database),
            publicBaseURL: URL(string: "http://127.0.0.1:9")!,
            vaultKeys: KeyRing([KeyEncryptionKey(id: "test", material: Data(repeating: 7, count: 32))])!,
            invoiceboxBaseURL: invoiceboxBaseURL,
            migrations: TestDatabase.migrations
        )
        configuration.platformKeys = [platformKey]
        configuration.invoiceboxPartner = PartnerCredentials(
            partnerID: sandbox.partnerID, token: Secret(sandbox.partnerToken), baseURL: invoiceboxBaseURL
        )
        configuration.invoiceboxClient.backoffBase = .milliseconds(10)
        configuration.reinviteInterval = .zero
        configuration.maximumInvoiceAmount = maximumInvoiceAmount
        configuration.migrationsAtStart = .check
        configuration.runsBackgroundJobs = false
        configuration.notificationSafeguards = unlimitedNotifications
        configuration.sessionKeys = [sessionKey]
        configuration.allowedOrigins = [allowedOrigin]
        return configuration
    }

    /// Signs the sessions of every test application.
    static let sessionKey = try! SessionKey(id: "test", material: Data(repeating: 9, count: 32))
    /// The one origin whose pages may call the test applications from a browser.
    static let allowedOrigin = "https://panel.example.com"

    /// Rate limits no test reaches, and no reuse of a confirming read, unless a test asks for them.
    static var unlimitedNotifications: NotificationReceiver.Safeguards {
        var safeguards = NotificationReceiver.Safeguards()
        safeguards.perTenant = RateLimit(requests: 1_000_000, window: .seconds(1))
        safeguards.perSource = RateLimit(requests: 1_000_000, window: .seconds(1))
        safeguards.confirmingReadReuse = .zero
        return safeguards
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
        let bearer: String? =
            switch key {
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

/// Answers with the responder it is given once it exists: a server that must listen before the
/// application behind it is built.
final class ResponderRelay: HTTPResponder, Sendable {
    private let target = Mutex<RouterResponder<FolioRequestContext>?>(nil)

    func forward(to responder: RouterResponder<FolioRequestContext>) {
        target.withLock { $0 = responder }
    }

    func respond(to request: Request, context: FolioRequestContext) async throws -> Response {
        guard let responder = target.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
        return try await responder.respond(to: request, context: context)
    }
}
