import FakturowniaAdapter
import FakturowniaSandbox
import FolioDomain
import Foundation
import Testing

/// At most two requests of one account reach the provider at a time (§10); other accounts are
/// not held up by it.
@Suite struct InFlightCapTests {
    @Test func atMostTwoRequestsOfAnAccountReachTheSimulatorAtOnce() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let other = try await harness.openAccount("villa")
            let key = InFlightLimiter.key(baseURL: account.baseURL, token: account.apiToken.revealed)
            // The first two reads are held long; while they are, the other four must not arrive.
            await harness.inject(FakturowniaFault(kind: .delay, method: "GET", pathContains: "/invoices.json", milliseconds: 4_000, count: 2))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask { _ = try await harness.gateway.invoices(page: 1, in: account) }
                }
                // Every read has been started: two arrived, four wait (or, without the cap, more arrived).
                try await Self.eventually {
                    let arrived = await harness.requests("GET", "/invoices.json", prefix: "hotel").count
                    let waiting = await harness.inFlight.waiting(key)
                    return arrived > 2 || (arrived == 2 && waiting == 4)
                }
                // Another account has its own slots, and is served while the first one's are taken.
                _ = try await harness.gateway.account(other)
                #expect(await harness.requests("GET", "/invoices.json", prefix: "hotel").count == 2)
                #expect(await harness.inFlight.waiting(key) == 4)
                try await group.waitForAll()
            }
            #expect(await harness.requests("GET", "/invoices.json", prefix: "hotel").count == 6)
            #expect(await harness.inFlight.inFlight(key) == 0)
        }
    }

    @Test func theLimiterHandsSlotsOverInArrivalOrder() async throws {
        let limiter = InFlightLimiter()
        let key = InFlightLimiter.key(baseURL: URL(string: "http://127.0.0.1/hotel")!, token: "token-1")
        #expect(!key.contains("token-1"))
        try await limiter.acquire(key, limit: 2)
        try await limiter.acquire(key, limit: 2)
        let waiter = Task { try await limiter.acquire(key, limit: 2) }
        try await Self.eventually { await limiter.inFlight(key) == 2 }
        await limiter.release(key)
        try await waiter.value
        #expect(await limiter.inFlight(key) == 2)
        await limiter.release(key)
        await limiter.release(key)
        #expect(await limiter.inFlight(key) == 0)
    }

    @Test func aWaiterCancelledInTheQueueTakesNoSlot() async throws {
        let limiter = InFlightLimiter()
        let key = InFlightLimiter.key(baseURL: URL(string: "http://127.0.0.1/hotel")!, token: "token-2")
        try await limiter.acquire(key, limit: 1)
        let cancelled = Task { try await limiter.acquire(key, limit: 1) }
        try await Self.eventually { await limiter.waiting(key) == 1 }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(await limiter.waiting(key) == 0)
        // The slot goes back to the pool, not to the request that will never be made.
        await limiter.release(key)
        #expect(await limiter.inFlight(key) == 0)
        try await limiter.acquire(key, limit: 1)
        #expect(await limiter.inFlight(key) == 1)
    }

    static func eventually(_ condition: @Sendable () async throws -> Bool) async throws {
        for _ in 0..<200 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not reached")
    }
}
