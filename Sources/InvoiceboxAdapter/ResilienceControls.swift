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
    private var sent: [String: WindowBookings] = [:]
    /// Keys come and go with tenants and tokens: once the map reaches this size, keys with no
    /// request inside the window are dropped, and the next sweep waits for twice the survivors.
    private let pruneAbove: Int
    private var pruneAt: Int

    init(limit: Int, window: Duration, pruneAbove: Int = 10_000, clock: some Clock<Duration> = ContinuousClock()) {
        self.limit = max(1, limit)
        self.window = window
        self.pruneAbove = max(1, pruneAbove)
        self.pruneAt = max(1, pruneAbove)
        self.clock = ElapsedClock(clock)
    }

    /// How many keys the limiter holds in memory.
    var keyCount: Int { sent.count }

    /// Waits until `key` may send another request, and books it. Returns false, booking
    /// nothing, when the slot would come more than `budget` from now.
    func acquire(_ key: String, within budget: Duration) async throws -> Bool {
        let deadline = clock.now() + budget
        while true {
            guard let slot = book(key, at: clock.now()) else { return true }
            guard slot < deadline else { return false }
            try await clock.sleep(slot)
        }
    }

    /// Books a request for `key` only if a slot is free now; otherwise books nothing and
    /// returns how long until the next slot frees.
    func tryAcquire(_ key: String) -> Duration? {
        let now = clock.now()
        return book(key, at: now).map { $0 - now }
    }

    /// Books a request for `key` at `now` and returns nil when a slot is free, else books
    /// nothing and returns when the next slot frees. The key's bookings are changed in place,
    /// with one lookup: copying them out and back cost a scan and an allocation per request.
    private func book(_ key: String, at now: Duration) -> Duration? {
        if sent[key] == nil, sent.count >= pruneAt {
            sent = sent.filter { $0.value.latest.map { now - $0 < window } ?? false }
            pruneAt = max(pruneAbove, sent.count * 2)
        }
        return sent[key, default: WindowBookings()].book(at: now, limit: limit, window: window)
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
