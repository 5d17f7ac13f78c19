import FolioDomain
import Synchronization

/// Tenants whose schemas were seen at the version this Folio needs, so that a read can name its
/// tenant's tables directly instead of asking the registry first.
///
/// What is kept cannot mislead a read: a schema's name never changes, its version only grows, and
/// a deleted tenant's schema is dropped with it, so a statement that names it fails (and
/// `TenantDirectory.read` then forgets the tenant). Entries still expire after `timeToLive`, so
/// that memory holds the tenants read or loaded lately (`TenantSchemaWarmer` loads every current
/// one, up to its limit) rather than every tenant ever read.
final class CurrentSchemas: Sendable {
    private struct State {
        var seen: [TenantID: (schema: String, at: ContinuousClock.Instant)] = [:]
        var nextSweep: ContinuousClock.Instant

        /// Tenants nobody read or loaded within `timeToLive` go in one sweep per period, not one
        /// check per read.
        mutating func sweepIfDue(now: ContinuousClock.Instant, timeToLive: Duration) {
            guard nextSweep <= now else { return }
            seen = seen.filter { $0.value.at.duration(to: now) < timeToLive }
            nextSweep = now.advanced(by: timeToLive)
        }
    }

    private let state: Mutex<State>
    let timeToLive: Duration
    private let now: @Sendable () -> ContinuousClock.Instant

    init(timeToLive: Duration = .seconds(60), now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.timeToLive = timeToLive
        self.now = now
        self.state = Mutex(State(nextSweep: now().advanced(by: timeToLive)))
    }

    /// The tenant's schema, if it was seen current within `timeToLive`.
    func schema(of tenant: TenantID) -> String? {
        let now = now()
        return state.withLock { state in
            guard let seen = state.seen[tenant] else { return nil }
            guard seen.at.duration(to: now) < timeToLive else {
                state.seen[tenant] = nil
                return nil
            }
            return seen.schema
        }
    }

    func remember(_ tenant: TenantID, schema: String) {
        let now = now()
        state.withLock { state in
            state.seen[tenant] = (schema, now)
            state.sweepIfDue(now: now, timeToLive: timeToLive)
        }
    }

    /// Remembers each tenant as seen now: the periodic load of every current schema. Taken a
    /// thousand at a time, so that reads waiting on the lock wait for a thousand writes at most;
    /// entries nobody loaded or read again go first.
    func remember(_ current: [(tenant: TenantID, schema: String)]) {
        let now = now()
        state.withLock { $0.sweepIfDue(now: now, timeToLive: timeToLive) }
        var start = current.startIndex
        while start < current.endIndex {
            let end = min(start + 1_000, current.endIndex)
            state.withLock { state in
                for (tenant, schema) in current[start..<end] { state.seen[tenant] = (schema, now) }
            }
            start = end
        }
    }

    func forget(_ tenant: TenantID) {
        _ = state.withLock { $0.seen.removeValue(forKey: tenant) }
    }

    var count: Int { state.withLock { $0.seen.count } }
}
