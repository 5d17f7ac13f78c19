import FolioDomain
import Foundation
import Synchronization

/// How many requests a key may make in a window.
package struct RateLimit: Sendable, Equatable {
    package var requests: Int
    package var window: Duration

    package init(requests: Int, window: Duration) {
        self.requests = max(1, requests)
        self.window = window > .zero ? window : .seconds(1)
    }
}

/// A token bucket per key, in this process's memory: each key may make `limit.requests`
/// requests at once, and earns them back evenly over `limit.window`.
///
/// Buckets that have filled up again are forgotten once there are many keys, so memory stays
/// in proportion to the keys seen within one window.
package final class RateLimiter: Sendable {
    let limit: RateLimit
    /// The time elapsed on the limiter's clock since it was made.
    let now: @Sendable () -> Duration
    private let state: Mutex<State>
    private let pruneAbove: Int

    private struct Bucket {
        var tokens: Double
        var updatedAt: Duration
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        /// At this many buckets, full ones are dropped; twice what is left after a pruning, so
        /// that pruning stays rare however many keys arrive.
        var pruneAt: Int
    }

    package convenience init(limit: RateLimit, pruneAbove: Int = 10_000, clock: some Clock<Duration> = ContinuousClock()) {
        let origin = clock.now
        self.init(limit: limit, pruneAbove: pruneAbove, elapsed: { origin.duration(to: clock.now) })
    }

    /// A limiter reading the time from `now`, as `NotificationReceiver.Safeguards` provides it.
    package convenience init(limit: RateLimit, pruneAbove: Int = 10_000, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        let origin = now()
        self.init(limit: limit, pruneAbove: pruneAbove, elapsed: { origin.duration(to: now()) })
    }

    private init(limit: RateLimit, pruneAbove: Int, elapsed: @escaping @Sendable () -> Duration) {
        self.limit = limit
        self.pruneAbove = max(1, pruneAbove)
        self.state = Mutex(State(pruneAt: max(1, pruneAbove)))
        self.now = elapsed
    }

    /// Whether `key`'s bucket holds a request, taking nothing.
    package func hasRoom(_ key: String) -> Bool {
        let now = now()
        let capacity = Double(limit.requests)
        let perSecond = capacity / Self.seconds(limit.window)
        return state.withLock { state in
            guard let bucket = state.buckets[key] else { return true }
            return min(capacity, bucket.tokens + Self.seconds(now - bucket.updatedAt) * perSecond) >= 1
        }
    }

    /// Takes one request from `key`'s bucket; `false`, taking nothing, when it is empty.
    package func admit(_ key: String) -> Bool {
        let now = now()
        let capacity = Double(limit.requests)
        let perSecond = capacity / Self.seconds(limit.window)
        return state.withLock { state in
            var bucket = state.buckets[key] ?? Bucket(tokens: capacity, updatedAt: now)
            bucket.tokens = min(capacity, bucket.tokens + Self.seconds(now - bucket.updatedAt) * perSecond)
            bucket.updatedAt = now
            let admitted = bucket.tokens >= 1
            if admitted { bucket.tokens -= 1 }
            if state.buckets[key] == nil, state.buckets.count >= state.pruneAt {
                state.buckets = state.buckets.filter { $0.value.tokens + Self.seconds(now - $0.value.updatedAt) * perSecond < capacity }
                state.pruneAt = max(pruneAbove, state.buckets.count * 2)
            }
            state.buckets[key] = bucket
            return admitted
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        max(0, duration.fractionalSeconds)
    }
}
