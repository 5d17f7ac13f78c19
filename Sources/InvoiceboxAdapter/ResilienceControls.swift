import Foundation
import PaymentsPort

/// One clock read as the time elapsed since the controls below were made, so that they take any
/// `Clock` (a manual one in tests) while keeping a single, non-generic type.
struct ElapsedClock: Sendable {
    let now: @Sendable () -> Duration
    let sleep: @Sendable (_ until: Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        self.now = { origin.duration(to: clock.now) }
        self.sleep = { try await clock.sleep(until: origin.advanced(by: $0), tolerance: nil) }
    }
}

/// Keeps each shop under the provider's limit (100 requests per 30 s per account) with a sliding
/// window; a request over the limit waits for a slot instead of failing.
actor SlidingWindowLimiter {
    let limit: Int
    let window: Duration
    private let clock: ElapsedClock
    private var sent: [String: [Duration]] = [:]

    init(limit: Int, window: Duration, clock: some Clock<Duration> = ContinuousClock()) {
        self.limit = max(1, limit)
        self.window = window
        self.clock = ElapsedClock(clock)
    }

    /// Waits until `key` may send another request, and books it. Returns false, booking
    /// nothing, when the slot would come after `deadline`.
    func acquire(_ key: String, before deadline: ContinuousClock.Instant) async throws -> Bool {
        try await acquire(key, within: ContinuousClock.now.duration(to: deadline))
    }

    /// Waits until `key` may send another request, and books it. Returns false, booking
    /// nothing, when the slot would come more than `budget` from now.
    func acquire(_ key: String, within budget: Duration) async throws -> Bool {
        let deadline = clock.now() + budget
        while true {
            let now = clock.now()
            var times = sent[key, default: []].filter { now - $0 < window }
            if times.count < limit {
                times.append(now)
                sent[key] = times
                return true
            }
            sent[key] = times
            let slot = times[0] + window
            guard slot < deadline else { return false }
            try await clock.sleep(slot)
        }
    }

    /// Books a request for `key` only if a slot is free now; otherwise books nothing and
    /// returns how long until the next slot frees.
    func tryAcquire(_ key: String) -> Duration? {
        let now = clock.now()
        var times = sent[key, default: []].filter { now - $0 < window }
        defer { sent[key] = times }
        guard times.count < limit else { return times[0] + window - now }
        times.append(now)
        return nil
    }
}

/// Stops calling a provider that keeps failing: after `threshold` consecutive failures the circuit
/// opens for `openFor`, then lets a single probe through; its success closes the circuit.
actor CircuitBreaker {
    let threshold: Int
    let openFor: Duration
    private let clock: ElapsedClock
    private var states: [String: State] = [:]

    private struct State {
        var consecutiveFailures = 0
        var openedAt: Duration?
        var probeInFlight = false
    }

    init(threshold: Int, openFor: Duration, clock: some Clock<Duration> = ContinuousClock()) {
        self.threshold = max(1, threshold)
        self.openFor = openFor
        self.clock = ElapsedClock(clock)
    }

    /// Throws `circuitOpen` while the circuit for `key` is open (or its probe is out).
    func permit(_ key: String) throws(InvoiceboxError) {
        var state = states[key, default: State()]
        defer { states[key] = state }
        guard let openedAt = state.openedAt else { return }
        let elapsed = clock.now() - openedAt
        if elapsed < openFor || state.probeInFlight {
            let remaining = max(openFor - elapsed, .seconds(1))
            throw .circuitOpen(retryAfterSeconds: Int(remaining.components.seconds))
        }
        state.probeInFlight = true
    }

    func recordSuccess(_ key: String) {
        states[key] = State()
    }

    func recordFailure(_ key: String) {
        var state = states[key, default: State()]
        state.consecutiveFailures += 1
        state.probeInFlight = false
        if state.openedAt != nil || state.consecutiveFailures >= threshold {
            state.openedAt = clock.now()
        }
        states[key] = state
    }

    /// An answer that says nothing about the provider's health (a 4xx) releases a probe.
    func recordNeutral(_ key: String) {
        var state = states[key, default: State()]
        if state.probeInFlight {
            state = State()
        }
        states[key] = state
    }
}
