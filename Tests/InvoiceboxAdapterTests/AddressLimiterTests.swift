import FolioDomain
import FolioTestSupport
import Foundation
import InvoiceboxSandbox
import PaymentsPort
import Prometheus
import Synchronization
import Testing

@testable import InvoiceboxAdapter

/// The limit per client address that every shop shares (invoicebox-api.md §6), on a manual clock:
/// its window passes when the test says so, and fairness shows in the order slots are granted.
@Suite struct AddressLimiterTests {
    /// Which requests have been granted, in batches: those granted by one pass are not ordered.
    final class Grants: Sendable {
        private let granted = Mutex<[String]>([])
        func record(_ name: String) { granted.withLock { $0.append(name) } }
        var all: [String] { granted.withLock { $0 } }
    }

    /// Queues `name` for `key` and waits until the limiter holds it, so that arrivals are ordered.
    static func queue(
        _ name: String, of key: String, on limiter: FairShareLimiter, grants: Grants, budget: Duration = .seconds(600)
    ) async throws -> Task<Bool, any Error> {
        let before = await limiter.waiterCount
        let task = Task {
            let granted = try await limiter.acquire(key, within: budget)
            if granted { grants.record(name) }
            return granted
        }
        try await eventually { await limiter.waiterCount == before + 1 }
        return task
    }

    @Test func waitingShopsAreServedInTurnsNotInArrivalOrder() async throws {
        let clock = TestClock()
        let limiter = FairShareLimiter(limit: 2, window: .seconds(30), clock: clock)
        let grants = Grants()
        #expect(try await limiter.acquire("busy", within: .zero))
        #expect(try await limiter.acquire("busy", within: .zero))
        #expect(try await limiter.acquire("quiet", within: .zero) == false, "no slot is free and none comes within no time")

        var tasks: [Task<Bool, any Error>] = []
        for name in ["busy-3", "busy-4", "busy-5"] { tasks.append(try await Self.queue(name, of: "busy", on: limiter, grants: grants)) }
        for name in ["quiet-1", "quiet-2"] { tasks.append(try await Self.queue(name, of: "quiet", on: limiter, grants: grants)) }
        tasks.append(try await Self.queue("rare-1", of: "rare", on: limiter, grants: grants))

        let expectedPasses: [Set<String>] = [["busy-3", "quiet-1"], ["rare-1", "busy-4"], ["quiet-2", "busy-5"]]
        var granted = 0
        for pass in expectedPasses {
            try await eventually { clock.sleeperCount == 1 }
            clock.advance(by: .seconds(29))
            #expect(grants.all.count == granted, "no slot frees before the window has passed")
            clock.advance(by: .seconds(1))
            granted += pass.count
            try await eventually { grants.all.count == granted }
            #expect(Set(grants.all.suffix(pass.count)) == pass, "\(grants.all)")
        }
        for task in tasks { #expect(try await task.value) }
        #expect(await limiter.waiterCount == 0)
    }

    @Test func aWaiterWhoseBudgetEndsBeforeItsTurnIsRefused() async throws {
        let clock = TestClock()
        let limiter = FairShareLimiter(limit: 1, window: .seconds(30), clock: clock)
        let grants = Grants()
        #expect(try await limiter.acquire("a", within: .zero))
        #expect(try await limiter.acquire("b", within: .seconds(29)) == false, "the slot is 30 s away")
        let first = try await Self.queue("a-2", of: "a", on: limiter, grants: grants)
        // Its turn comes after a-2's, a full window later than its budget allows.
        let second = try await Self.queue("b-1", of: "b", on: limiter, grants: grants, budget: .seconds(45))
        try await eventually { clock.sleeperCount == 1 }
        clock.advance(by: .seconds(30))
        #expect(try await first.value)
        #expect(try await second.value == false)
        #expect(grants.all == ["a-2"])
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let clock = TestClock()
        let limiter = FairShareLimiter(limit: 1, window: .seconds(30), clock: clock)
        let grants = Grants()
        #expect(try await limiter.acquire("a", within: .zero))
        let cancelled = try await Self.queue("a-2", of: "a", on: limiter, grants: grants)
        let kept = try await Self.queue("b-1", of: "b", on: limiter, grants: grants)
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        try await eventually { await limiter.waiterCount == 1 }
        try await eventually { clock.sleeperCount == 1 }
        clock.advance(by: .seconds(30))
        #expect(try await kept.value)
        #expect(grants.all == ["b-1"])
    }

    /// A histogram's `_sum` or `_count` for one `limiter` label, read from the Prometheus text format.
    static func waitMetric(_ suffix: String, limiter: String, in registry: PrometheusCollectorRegistry) -> Double? {
        let prefix = "folio_provider_rate_limit_wait_seconds_\(suffix){limiter=\"\(limiter)\"} "
        for line in registry.emitToString().split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    @Test func everyCallWaitsForTheAddressLimitAndTheWaitIsMeasured() async throws {
        // A registry of this test's own: no other test's waits reach it.
        let registry = PrometheusCollectorRegistry()
        let clock = TestClock()
        var client = SandboxHarness.fastClient
        client.clock = clock
        client.requestsPerAddress = 1
        client.addressWindow = .seconds(30)
        client.readBudget = .seconds(60)
        client.metricsFactory = PrometheusMetricsFactory(registry: registry)
        try await SandboxHarness.run(client: client) { harness in
            let otherShop = await harness.sandbox.state.addMerchant()
            let other = ShopCredentials(merchantID: otherShop.id, token: Secret(otherShop.token), baseURL: harness.baseURL)
            #expect(try await harness.gateway.checkToken(of: harness.shop))
            // Another shop's call from the same address waits for the window to pass.
            let waiting = Task { try await harness.gateway.checkToken(of: other) }
            try await eventually { clock.sleeperCount == 1 }
            clock.advance(by: .seconds(30))
            #expect(try await waiting.value)
            #expect(Self.waitMetric("count", limiter: "address", in: registry) == 2)
            #expect(Self.waitMetric("sum", limiter: "address", in: registry) == 30)
            #expect(Self.waitMetric("count", limiter: "token", in: registry) == 2)
            #expect(Self.waitMetric("sum", limiter: "token", in: registry) == 0)
        }
    }
}
