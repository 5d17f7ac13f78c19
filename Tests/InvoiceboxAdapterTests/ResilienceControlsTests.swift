import FolioTestSupport
import Testing

@testable import InvoiceboxAdapter

/// The limiter and the breaker on a manual clock: their windows pass when the test says so.
@Suite struct ResilienceControlsTests {
    @Test func aRequestOverTheLimitWaitsForTheOldestSlotToFree() async throws {
        let clock = TestClock()
        let limiter = SlidingWindowLimiter(limit: 2, window: .seconds(30), clock: clock)
        #expect(try await limiter.acquire("shop", within: .zero))
        clock.advance(by: .seconds(10))
        #expect(try await limiter.acquire("shop", within: .zero))
        #expect(await limiter.tryAcquire("shop") == .seconds(20))
        // A slot 20 s away is not waited for with a budget of 19 s.
        #expect(try await limiter.acquire("shop", within: .seconds(19)) == false)
        #expect(try await limiter.acquire("other shop", within: .zero))

        let waiting = Task { try await limiter.acquire("shop", within: .seconds(21)) }
        try await eventually { clock.sleeperCount == 1 }
        clock.advance(by: .seconds(19))
        #expect(clock.sleeperCount == 1, "the slot is not free before the window has passed")
        clock.advance(by: .seconds(1))
        #expect(try await waiting.value)
        #expect(await limiter.tryAcquire("shop") == .seconds(10))
    }

    @Test func keysWithNoRequestInTheWindowDoNotStayInMemory() async throws {
        let clock = TestClock()
        let limiter = SlidingWindowLimiter(limit: 1, window: .seconds(30), pruneAbove: 100, clock: clock)
        var booked = 0
        for tenant in 0..<1_000 {
            if try await limiter.acquire("tenant \(tenant)", within: .zero) { booked += 1 }
            clock.advance(by: .seconds(1))
        }
        #expect(booked == 1_000)
        #expect(await limiter.keyCount <= 100)
        #expect(await limiter.tryAcquire("tenant 999") == .seconds(29), "a key inside its window keeps its slots")
        #expect(await limiter.tryAcquire("tenant 0") == nil)
    }

    @Test func theCircuitOpensThenLetsOneProbeThrough() async throws {
        let clock = TestClock()
        let breaker = CircuitBreaker(threshold: 2, openFor: .seconds(30), clock: clock)
        await breaker.recordFailure("provider")
        #expect(await breaker.refusal("provider") == nil, "one failure is under the threshold")
        await breaker.recordFailure("provider")
        #expect(await breaker.refusal("provider") == .circuitOpen(retryAfterSeconds: 30))
        clock.advance(by: .seconds(29))
        #expect(await breaker.refusal("provider") == .circuitOpen(retryAfterSeconds: 1))
        clock.advance(by: .seconds(1))
        #expect(await breaker.refusal("provider") == nil, "the probe")
        #expect(await breaker.refusal("provider") == .circuitOpen(retryAfterSeconds: 1), "only one probe at a time")

        // A failed probe opens the circuit for another full period.
        await breaker.recordFailure("provider")
        #expect(await breaker.refusal("provider") == .circuitOpen(retryAfterSeconds: 30))
        clock.advance(by: .seconds(30))
        #expect(await breaker.refusal("provider") == nil)
        await breaker.recordSuccess("provider")
        #expect(await breaker.refusal("provider") == nil)
        #expect(await breaker.refusal("provider") == nil, "a successful probe closes the circuit")
    }

    @Test func aNeutralAnswerReleasesTheProbe() async throws {
        let clock = TestClock()
        let breaker = CircuitBreaker(threshold: 1, openFor: .seconds(5), clock: clock)
        await breaker.recordFailure("provider")
        clock.advance(by: .seconds(5))
        #expect(await breaker.refusal("provider") == nil)
        await breaker.recordNeutral("provider")
        #expect(await breaker.refusal("provider") == nil)
        #expect(await breaker.refusal("provider") == nil)
    }
}

extension CircuitBreaker {
    /// The error `permit` throws for `key` now, or nil when it lets the call through.
    func refusal(_ key: String) -> InvoiceboxError? {
        do {
            try permit(key)
            return nil
        } catch {
            return error
        }
    }
}
