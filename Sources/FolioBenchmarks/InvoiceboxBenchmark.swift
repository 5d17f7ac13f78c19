import ArgumentParser
import AsyncHTTPClient
import FolioDomain
import Foundation
import InvoiceboxAdapter
import InvoiceboxSandbox
import Logging
import NIOCore
import NIOHTTP1
import PaymentsPort

/// The adapter's own cost per call against the sandbox on loopback, and the sandbox's throughput,
/// so that load tests of Folio know the sandbox is not their bottleneck.
struct InvoiceboxBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoicebox",
        abstract: "Adapter overhead per call (p50/p99) and sandbox throughput, on loopback."
    )

    @Option(help: "Sequential calls measured for the overhead.")
    var calls = 2000

    @Option(help: "Concurrent clients for the throughput run.")
    var concurrency = 32

    @Option(help: "Seconds the throughput run lasts.")
    var seconds = 10

    func run() async throws {
        var logger = Logger(label: "folio.bench")
        logger.logLevel = .warning
        var sandboxConfiguration = SandboxConfiguration.fast
        sandboxConfiguration.requestsPerToken = 0
        let sandbox = InvoiceboxSandbox(configuration: sandboxConfiguration, logger: logger)
        let shopRecord = await sandbox.state.addMerchant()
        var client = InvoiceboxClientConfiguration()
        client.requestsPerWindow = 1_000_000
        client.requestsPerAddress = 1_000_000
        let gateway = InvoiceboxGateway(http: .shared, configuration: client, logger: logger)
        let calls = calls
        let concurrency = concurrency
        let duration = Duration.seconds(seconds)

        try await sandbox.withRunningServer { url in
            let shop = ShopCredentials(merchantID: shopRecord.id, token: Secret(shopRecord.token), baseURL: url)
            let order = try await gateway.createOrder(Self.draft("warm-up"), shop: shop)
            let orderURL = url.absoluteString + "/v3/billing/api/order/order/" + order.id

            // The same read, raw and through the adapter, alternated so both see the same machine.
            var raw: [Duration] = []
            var adapted: [Duration] = []
            for _ in 0..<calls {
                let rawStart = ContinuousClock.now
                var request = HTTPClientRequest(url: orderURL)
                request.headers.add(name: "Authorization", value: "Bearer \(shopRecord.token)")
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 1 << 22)
                raw.append(ContinuousClock.now - rawStart)

                let adaptedStart = ContinuousClock.now
                _ = try await gateway.order(id: order.id, shop: shop)
                adapted.append(ContinuousClock.now - adaptedStart)
            }
            print("read one order, \(calls) sequential calls on loopback")
            print("  raw HTTP:      \(Stats.summary(raw, unit: .microseconds))")
            print("  through adapter: \(Stats.summary(adapted, unit: .microseconds))")
            let overhead50 = Stats.seconds(of: Stats.percentile(adapted.sorted(), 0.5)) - Stats.seconds(of: Stats.percentile(raw.sorted(), 0.5))
            let overhead99 = Stats.seconds(of: Stats.percentile(adapted.sorted(), 0.99)) - Stats.seconds(of: Stats.percentile(raw.sorted(), 0.99))
            print(String(format: "  adapter overhead: p50 %.1f µs, p99 %.1f µs", overhead50 * 1e6, overhead99 * 1e6))

            for (label, operation) in [("create order", true), ("read order", false)] {
                let deadline = ContinuousClock.now + duration
                let started = ContinuousClock.now
                let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                    for worker in 0..<concurrency {
                        group.addTask {
                            var done = 0
                            while ContinuousClock.now < deadline {
                                if operation {
                                    _ = try await gateway.createOrder(Self.draft("w\(worker)-\(done)-\(UUID().uuidString.prefix(6))"), shop: shop)
                                } else {
                                    _ = try await gateway.order(id: order.id, shop: shop)
                                }
                                done += 1
                            }
                            return done
                        }
                    }
                    return try await group.reduce(0, +)
                }
                let elapsed = ContinuousClock.now - started
                print("sandbox throughput, \(label), \(concurrency) clients: \(counts) in \(Stats.seconds(elapsed)), \(Stats.rate(counts, elapsed)) requests/s")
            }
        }
    }

    static func draft(_ id: String) -> OrderDraft {
        OrderDraft(
            merchantOrderID: id, description: "Benchmark stay", currency: .rub, expiresAt: Date().addingTimeInterval(86_400),
            customer: OrderCustomer(kind: .private, name: "Guest"),
            lines: [
                OrderLine(basket: BasketLineRequest(sku: "ROOM", name: "Room", quantity: 2, unitPrice: MinorUnits(650_000), vatCode: .twenty)),
                OrderLine(basket: BasketLineRequest(sku: "BRKF", name: "Breakfast", quantity: 2, unitPrice: MinorUnits(80_000), vatCode: .ten)),
            ]
        )
    }
}
