import ArgumentParser
import AsyncHTTPClient
import FolioApp
import FolioDomain
import FolioHTTP
import Foundation
import Hummingbird
import InvoiceboxAdapter
import InvoiceboxSandbox
import InvoicingService
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PaymentsPort
import PostgresNIO
import Prometheus
import TenantRegistry
import TokenVault

/// The invoice endpoints through Folio's real HTTP server, PostgreSQL and the sandbox:
/// listing over a large database, and creating invoices against the sandbox.
struct InvoicesBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoices",
        abstract: "List (20 per page, with and without a status filter) over N invoices, and create invoices against the sandbox."
    )

    @Option(help: "Tenants to create.")
    var tenants = 1000

    @Option(help: "Invoices in total.")
    var invoices = 1_000_000

    @Option(help: "Invoices of the largest tenant.")
    var largest = 200_000

    @Option(help: "Concurrent clients.")
    var concurrency = 32

    @Option(help: "Seconds each throughput run lasts.")
    var seconds = 15

    @Option(help: "Sequential creates measured for Folio's own latency.")
    var creates = 300

    @Option(help: "Tenants the concurrent creates spread over, each with its own shop; client i creates for tenant i modulo this.")
    var createTenants = 1

    @Option(help: "HTTP/1 connections the load generator opens to Folio (AsyncHTTPClient's shared client opens 8, so more clients queue).")
    var clientConnections = 8

    @OptionGroup var database: BenchmarkDatabase

    func run() async throws {
        let logger = Self.quietLogger
        try await Self.withLoadClient(connections: clientConnections) { client in
            try await measure(client: client, logger: logger)
        }
    }

    func measure(client: HTTPClient, logger: Logger) async throws {
        var sandboxConfiguration = SandboxConfiguration.fast
        sandboxConfiguration.requestsPerToken = 0
        try await Stack.run(
            database: database, connections: concurrency + 8, sandboxConfiguration: sandboxConfiguration, logger: logger
        ) { stack, sandbox, sandboxURL, apiURL in
            let ids = try await seed(stack, logger: logger)
            try await measureLists(apiURL: apiURL, platformKey: stack.platformKey, largest: ids.largest, spread: ids.all, client: client)
            let shop = await sandbox.state.addMerchant()
            try await stack.connect(ids.largest, shop: shop)
            var creating = [ids.largest]
            for tenant in ids.all.dropFirst().prefix(max(0, createTenants - 1)) {
                try await stack.connect(tenant, shop: await sandbox.state.addMerchant())
                creating.append(tenant)
            }
            try await measureCreates(
                apiURL: apiURL, platformKey: stack.platformKey, tenants: creating, stack: stack, shop: shop, sandboxURL: sandboxURL, client: client
            )
        }
    }

    /// Tenants through the registry, invoices by bulk SQL with the same row shape Folio writes.
    func seed(_ stack: Stack, logger: Logger) async throws -> (largest: TenantID, all: [TenantID]) {
        print("seeding \(tenants) tenants and \(invoices) invoices (largest tenant \(largest))")
        let started = ContinuousClock.now
        let runID = String(UUID().uuidString.prefix(8))
        var ids: [TenantID] = []
        for index in 0..<tenants {
            let (tenant, _) = try await stack.tenants.register(TenantRegistration(externalID: "bench-\(runID)-\(index)", displayName: nil))
            ids.append(tenant.id)
        }
        let request = Stack.benchmarkRequest
        let others = max(1, tenants - 1)
        let rest = max(0, invoices - largest)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add(_ index: Int) {
                let count = index == 0 ? largest : rest / others + (index - 1 < rest % others ? 1 : 0)
                let tenant = ids[index]
                group.addTask { try await stack.insertInvoices(tenant, count: count, request: request, logger: logger) }
            }
            while next < min(4, ids.count) {
                add(next)
                next += 1
            }
            while try await group.next() != nil, next < ids.count {
                add(next)
                next += 1
            }
            try await group.waitForAll()
        }
        try await stack.database.query("ANALYZE", logger: logger)
        print("  seeded in \(Stats.seconds(ContinuousClock.now - started))")
        return (ids[0], ids)
    }

    func measureLists(apiURL: String, platformKey: String, largest: TenantID, spread: [TenantID], client: HTTPClient) async throws {
        let scenarios: [(String, @Sendable () -> String)] = [
            ("largest tenant (\(self.largest)), first pages, no filter", { "\(apiURL)/v1/tenants/\(largest)/invoices?limit=20" }),
            ("largest tenant, status=paid", { "\(apiURL)/v1/tenants/\(largest)/invoices?limit=20&status=paid" }),
            ("random tenant, no filter", { "\(apiURL)/v1/tenants/\(spread.randomElement()!)/invoices?limit=20" }),
            ("random tenant, status=open", { "\(apiURL)/v1/tenants/\(spread.randomElement()!)/invoices?limit=20&status=open" }),
        ]
        for (label, makeURL) in scenarios {
            // Each client pages on through the cursor, as a panel does, for up to 10 pages.
            let (latencies, elapsed) = try await load { _ in
                var url = makeURL()
                var samples: [Duration] = []
                for _ in 0..<10 {
                    let begin = ContinuousClock.now
                    let body = try await Self.call(.GET, url, key: platformKey, expect: 200, client: client)
                    samples.append(ContinuousClock.now - begin)
                    guard let cursor = Self.nextCursor(in: body) else { break }
                    url = makeURL() + "&cursor=" + cursor
                }
                return samples
            }
            print("list \(label), \(concurrency) clients: \(Stats.rate(latencies.count, elapsed)) requests/s, \(Stats.summary(latencies, unit: .milliseconds))")
        }
    }

    func measureCreates(
        apiURL: String, platformKey: String, tenants: [TenantID], stack: Stack, shop: (id: String, token: String, notificationKey: String),
        sandboxURL: URL, client: HTTPClient
    ) async throws {
        let body = Self.createBody
        let paths = tenants.map { "\(apiURL)/v1/tenants/\($0)/invoices" }
        let path = paths[0]
        // Folio's own share: the same create through the API and straight through the adapter.
        let credentials = ShopCredentials(merchantID: shop.id, token: Secret(shop.token), baseURL: sandboxURL)
        var throughAPI: [Duration] = []
        var direct: [Duration] = []
        var flushes: [Duration] = []
        let meter = CPUMeter(database: stack.database, logger: stack.logger)
        let sequentialCPU = await meter.read()
        for _ in 0..<creates {
            let begin = ContinuousClock.now
            _ = try await Self.call(.POST, path, key: platformKey, body: body, expect: 201, client: client)
            throughAPI.append(ContinuousClock.now - begin)
            let draft = Stack.benchmarkRequest.draft(invoiceID: UUID(), notificationURL: nil, defaultExpiry: Date().addingTimeInterval(86_400))
            let directBegin = ContinuousClock.now
            _ = try await stack.provider.createOrder(draft, shop: credentials)
            direct.append(ContinuousClock.now - directBegin)
            // In the same loop, so that the disk's share is read over the same seconds.
            flushes.append(try await stack.database.withConnection { try await CommitFlushProbe.time(on: $0, logger: stack.logger) })
        }
        let cpu = await meter.summary(since: sequentialCPU, operations: creates, per: "create, its direct twin and a commit")
        print("create invoice, \(creates) sequential")
        print("  through Folio's API: \(Stats.summary(throughAPI, unit: .milliseconds))")
        print("  adapter to sandbox:  \(Stats.summary(direct, unit: .milliseconds))")
        let added50 = Stats.seconds(of: Stats.percentile(throughAPI.sorted(), 0.5)) - Stats.seconds(of: Stats.percentile(direct.sorted(), 0.5))
        let added99 = Stats.seconds(of: Stats.percentile(throughAPI.sorted(), 0.99)) - Stats.seconds(of: Stats.percentile(direct.sorted(), 0.99))
        print(String(format: "  Folio's added latency per create: p50 %.2f ms, p99 %.2f ms", added50 * 1e3, added99 * 1e3))
        print("  a commit's WAL flush, one after each create (a create waits for two): \(Stats.summary(flushes, unit: .milliseconds))")
        print(cpu)

        let concurrentCPU = await meter.read()
        let (latencies, elapsed) = try await load { index in
            let begin = ContinuousClock.now
            _ = try await Self.call(.POST, paths[index % paths.count], key: platformKey, body: body, expect: 201, client: client)
            return [ContinuousClock.now - begin]
        }
        print(
            "create invoice, \(concurrency) clients over \(paths.count) tenants and \(clientConnections) connections: "
                + "\(Stats.rate(latencies.count, elapsed)) invoices/s, \(Stats.summary(latencies, unit: .milliseconds))"
        )
        print(await meter.summary(since: concurrentCPU, operations: latencies.count, per: "create"))
    }

    /// Runs `work` in a loop on every client until the time is up; returns every latency.
    func load(_ work: @escaping @Sendable (_ client: Int) async throws -> [Duration]) async throws -> ([Duration], Duration) {
        let deadline = ContinuousClock.now + .seconds(seconds)
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for client in 0..<concurrency {
                group.addTask {
                    var samples: [Duration] = []
                    while ContinuousClock.now < deadline { samples += try await work(client) }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return (latencies, ContinuousClock.now - started)
    }

    /// The load generator's HTTP client, with `connections` connections to Folio.
    /// Runs `body` with a load generator of `connections` connections per host, then shuts it down.
    static func withLoadClient(connections: Int, _ body: (HTTPClient) async throws -> Void) async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    static func call(
        _ method: NIOHTTP1.HTTPMethod, _ url: String, key: String, body: String? = nil, expect: Int, client: HTTPClient = .shared
    ) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 22))
        guard Int(response.status.code) == expect else {
            throw ValidationError("\(method) \(url) answered \(response.status.code): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return data
    }

    /// The page's `nextCursor`, found without parsing the whole page: the load generator shares
    /// the machine with the server, and its own JSON parsing would be counted against Folio.
    static func nextCursor(in body: Data) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        guard let key = text.range(of: #""nextCursor""#), let open = text[key.upperBound...].firstIndex(of: "\""),
            let close = text[text.index(after: open)...].firstIndex(of: "\"")
        else { return nil }
        return String(text[text.index(after: open)..<close])
    }

    static var quietLogger: Logger {
        // The handler `folio serve` logs through: the in-process server sets metadata per request.
        var logger = Logger(label: "folio.bench") { DeferredMetadataLogHandler(label: $0) }
        logger.logLevel = .warning
        return logger
    }

    static let createBody = """
        {"reservationId":"SZ-77120","description":"Stay at Hotel Aurora","currency":"RUB",
         "customer":{"type":"private","name":"Irina Sokolova","email":"guest@example.org"},
         "items":[{"sku":"ROOM","name":"Standard room, 2 nights","quantity":2,"unitPrice":450000,"vatCode":"RUS_VAT22"},
                  {"sku":"BRKF","name":"Breakfast","quantity":2,"unitPrice":85050,"vatCode":"RUS_VAT10"}],
         "reservation":{"propertyName":"Hotel Aurora","guestName":"Irina Sokolova","checkIn":"2026-08-12","checkOut":"2026-08-14"}}
        """
}
