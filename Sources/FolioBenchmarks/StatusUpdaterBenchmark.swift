import ArgumentParser
import AsyncHTTPClient
import FolioApp
import FolioDomain
import Foundation
import HTTPServing
import Hummingbird
import InvoiceboxSandbox
import InvoicingService
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PostgresNIO
import StatusUpdater
import TenantRegistry

/// The status updater through Folio's real HTTP server, PostgreSQL and the sandbox: provider
/// notifications acknowledged (each confirmed by a provider read), and the outbox delivered to
/// a local host endpoint.
struct StatusUpdaterBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Notifications acknowledged per second at N concurrent senders, and outbox delivery throughput."
    )

    @Option(help: "Concurrent senders, each for its own shop.")
    var senders = 32

    @Option(help: "Paid invoices, each notified once.")
    var notifications = 4000

    @Option(help: "Dispatcher replicas delivering the outbox.")
    var replicas = 1

    @Option(help: "HTTP/1 connections the senders share to Folio (AsyncHTTPClient's shared client opens 8, so more senders queue).")
    var clientConnections = 8

    @Option(help: "Folio's database connections in all (default: senders + 8).")
    var connections: Int?

    @Option(
        help: """
            Notifications per second from all senders together, each sender on its own schedule (open loop); latency counts \
            from the moment a notification was due, so a late answer also delays the ones behind it. Without it, each \
            sender posts the next notification as soon as the last is answered (closed loop).
            """
    )
    var rate: Double?

    /// What posts the notifications.
    enum Driver: String, ExpressibleByArgument {
        /// AsyncHTTPClient in this process: closed or open loop, first deliveries then replays.
        case inProcess = "in-process"
        /// wrk from outside this process, a thread and a connection per sender, first deliveries only.
        case wrk
    }

    @Option(
        help: """
            What posts the notifications: in-process (AsyncHTTPClient in this process, --client-connections shared by the \
            senders, then the same notifications replayed) or wrk (one connection per sender, from outside this process, \
            for --seconds; --notifications must outlast them).
            """
    )
    var driver = Driver.inProcess

    @Option(help: "Seconds wrk posts for (with --driver wrk).")
    var seconds = 5

    @OptionGroup var database: BenchmarkDatabase

    func validate() throws {
        if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be a number of notifications per second above 0") }
        if driver == .wrk, rate != nil { throw ValidationError("--rate paces the in-process driver only") }
        if seconds < 1 { throw ValidationError("--seconds must be at least 1") }
    }

    func run() async throws {
        let logger = InvoicesBenchmark.quietLogger
        try await InvoicesBenchmark.withLoadClient(connections: clientConnections) { client in
            try await measure(client: client, logger: logger)
        }
    }

    func measure(client: HTTPClient, logger: Logger) async throws {
        var sandboxConfiguration = SandboxConfiguration.fast
        sandboxConfiguration.requestsPerToken = 0
        // The sandbox's own notifications go to an address nothing listens on; the benchmark
        // sends them itself, so they are tried once and dropped.
        sandboxConfiguration.notificationRetryDelays = []
        var sandboxLogger = logger
        sandboxLogger.logLevel = .error
        try await Stack.run(
            database: database, connections: connections ?? senders + 8, sandboxConfiguration: sandboxConfiguration,
            sandboxLogger: sandboxLogger, logger: logger
        ) { stack, sandbox, _, apiURL in
            let paid = try await prepare(stack, sandbox: sandbox, apiURL: apiURL)
            let meter = CPUMeter(database: stack.database, logger: logger)
            switch driver {
            case .inProcess:
                try await measureNotifications(
                    apiURL: apiURL, paid: paid, label: "first delivery (confirmed by a provider read)", client: client, meter: meter)
                try await measureNotifications(apiURL: apiURL, paid: paid, label: "replayed (deduplicated)", client: client, meter: meter)
            case .wrk:
                try await measureNotificationsWithWrk(apiURL: apiURL, paid: paid, meter: meter)
            }
            try await measureDelivery(database: stack.database, http: stack.httpClient, logger: logger)
        }
    }

    /// One paid invoice notification to send: the tenant and the exact body the provider would post.
    struct PaidInvoice: Sendable {
        let tenant: TenantID
        let body: Data

        /// Where the provider posts it: the tenant's notification endpoint.
        var path: String { "/v1/providers/invoicebox/notifications/\(tenant)" }
    }

    /// A shop per sender, invoices created through the API and paid in the sandbox.
    func prepare(_ stack: Stack, sandbox: InvoiceboxSandbox, apiURL: String) async throws -> [[PaidInvoice]] {
        print("creating \(notifications) invoices for \(senders) shops and paying them in the sandbox")
        let started = ContinuousClock.now
        let runID = String(UUID().uuidString.prefix(8))
        return try await withThrowingTaskGroup(of: [PaidInvoice].self) { group in
            for sender in 0..<senders {
                let count = notifications / senders + (sender < notifications % senders ? 1 : 0)
                group.addTask {
                    let (tenant, _) = try await stack.tenants.register(TenantRegistration(externalID: "status-\(runID)-\(sender)", displayName: nil))
                    try await stack.connect(tenant.id, shop: await sandbox.state.addMerchant())
                    var paid: [PaidInvoice] = []
                    for _ in 0..<count {
                        let created = try await InvoicesBenchmark.call(
                            .POST, "\(apiURL)/v1/tenants/\(tenant.id)/invoices", key: stack.platformKey, body: InvoicesBenchmark.createBody, expect: 201
                        )
                        let object = try JSONSerialization.jsonObject(with: created) as? [String: Any]
                        guard let orderID = object?["providerOrderId"] as? String else { throw ValidationError("no providerOrderId") }
                        try await sandbox.state.pay(orderID: orderID)
                        guard let body = await sandbox.state.notificationBody(orderID: orderID) else { throw ValidationError("no body") }
                        paid.append(PaidInvoice(tenant: tenant.id, body: body))
                    }
                    return paid
                }
            }
            let prepared = try await group.reduce(into: []) { $0.append($1) }
            print("  prepared in \(Stats.seconds(ContinuousClock.now - started))")
            return prepared
        }
    }

    /// Every sender posts its shop's notifications one after another, as the provider would.
    func measureNotifications(apiURL: String, paid: [[PaidInvoice]], label: String, client: HTTPClient, meter: CPUMeter) async throws {
        let cpu = await meter.read()
        let started = ContinuousClock.now
        let pacing = rate.map { NotificationPacing(rate: $0, senders: paid.count, start: started) }
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for (sender, invoices) in paid.enumerated() {
                group.addTask {
                    var samples: [Duration] = []
                    for (index, invoice) in invoices.enumerated() {
                        var request = HTTPClientRequest(url: apiURL + invoice.path)
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(data: invoice.body))
                        let begin: ContinuousClock.Instant
                        if let due = pacing?.due(sender: sender, index: index) {
                            try await Task.sleep(until: due, clock: .continuous)
                            begin = due
                        } else {
                            begin = ContinuousClock.now
                        }
                        let response = try await client.execute(request, timeout: .seconds(30))
                        let answer = Data(buffer: try await response.body.collect(upTo: 1 << 16))
                        samples.append(ContinuousClock.now - begin)
                        guard answer == Data(#"{"status":"success"}"#.utf8) else {
                            throw ValidationError("notification answered \(String(decoding: answer, as: UTF8.self))")
                        }
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let elapsed = ContinuousClock.now - started
        let loop = rate.map { String(format: "open loop, %.0f per second due", $0) } ?? "closed loop"
        print(
            "notifications, \(label), \(senders) senders over \(clientConnections) connections, \(loop): \(latencies.count) acknowledged, \(Stats.rate(latencies.count, elapsed)) per second, \(Stats.summary(latencies, unit: .milliseconds))"
        )
        print(await meter.summary(since: cpu, operations: latencies.count, per: "notification"))
    }

    /// Every sender's notifications posted by wrk, each notification once: wrk thread i, with its
    /// one connection, is sender i and posts its shop's notifications one after another.
    func measureNotificationsWithWrk(apiURL: String, paid: [[PaidInvoice]], meter: CPUMeter) async throws {
        let notifications = paid.map { shop in shop.map { WrkNotificationDriver.Notification(path: $0.path, body: $0.body) } }
        let cpu = await meter.read()
        let outcome = try await WrkNotificationDriver(seconds: seconds).run(baseURL: apiURL, senders: notifications)
        guard outcome.exhausted == 0 else {
            throw ValidationError("wrk ran out of notifications after \(outcome.requests): raise --notifications or lower --seconds")
        }
        guard outcome.errors == 0, outcome.refused == 0 else {
            throw ValidationError("wrk: \(outcome.errors) requests failed and \(outcome.refused) answers were not the success answer")
        }
        print(
            String(
                format: "notifications, first delivery (confirmed by a provider read), %d wrk connections from outside this process, "
                    + "closed loop: %d acknowledged, %.0f per second, p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms",
                senders, outcome.requests, outcome.perSecond, Double(outcome.p50) / 1e3, Double(outcome.p95) / 1e3,
                Double(outcome.p99) / 1e3, Double(outcome.max) / 1e3
            )
        )
        print(await meter.summary(since: cpu, operations: outcome.requests, per: "notification (wrk's own CPU not counted)"))
    }

    /// The outbox the notifications filled, delivered to a local endpoint that answers 204.
    func measureDelivery(database: PostgresClient, http: HTTPClient, logger: Logger) async throws {
        var hostLogger = logger
        hostLogger.logLevel = .critical
        let pending = try await Self.pending(database, logger: logger)
        let received = ReceivedCounter()
        let router = Router()
        router.post("/hooks") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            await received.add()
            return Response(status: .noContent)
        }
        try await serveOnFreePort(router, logger: hostLogger) { hostURL in
            let webhook = HostWebhook(
                url: hostURL.appendingPathComponent("hooks"),
                signer: WebhookSigner(secret: Secret("whsec_" + Data(repeating: 7, count: 24).base64EncodedString()))!
            )
            let started = ContinuousClock.now
            let dispatchers = (0..<replicas).map { _ in EventDispatcher(client: database, http: http, webhook: webhook, logger: logger) }
            try await withThrowingTaskGroup(of: Void.self) { delivering in
                for dispatcher in dispatchers {
                    delivering.addTask {
                        while try await dispatcher.runOnce() > 0 {}
                    }
                }
                try await delivering.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            let left = try await Self.pending(database, logger: logger)
            print(
                "outbox delivery, \(replicas) dispatcher(s), batches of \(DeliveryPolicy().batchSize): \(pending - left) events in \(Stats.seconds(elapsed)), \(Stats.rate(Int(pending - left), elapsed)) events/s (host received \(await received.count), \(left) left pending)"
            )
        }
    }

    static func pending(_ database: PostgresClient, logger: Logger) async throws -> Int64 {
        let rows = try await database.query("SELECT count(*) FROM folio.events WHERE delivery = 'pending'", logger: logger)
        return try await rows.decode(Int64.self).firstElement() ?? 0
    }
}

/// When each sender's notifications are due in an open loop: every sender posts at `rate ÷ senders`
/// per second, the senders' schedules staggered evenly so that the whole arrives at `rate`.
struct NotificationPacing: Sendable {
    let interval: Duration
    let stagger: Duration
    let start: ContinuousClock.Instant

    init(rate: Double, senders: Int, start: ContinuousClock.Instant) {
        let perSender = rate / Double(max(1, senders))
        interval = .nanoseconds(Int64(1e9 / perSender))
        stagger = interval / max(1, senders)
        self.start = start
    }

    func due(sender: Int, index: Int) -> ContinuousClock.Instant {
        start + stagger * sender + interval * index
    }
}

actor ReceivedCounter {
    private(set) var count = 0
    func add() { count += 1 }
}
