import FolioDomain
import Foundation
import PaymentsPort

/// Shares the provider's read of an order between the notifications that claim something about
/// it: claims that arrive together wait for one read, and claims within `reuseFor` after it
/// reuse its answer. Anyone can post an unsigned claim about an order whose id they know, and
/// each confirming read spends the shop's provider quota; this bounds those reads to one per
/// order per `reuseFor`, however many claims arrive.
///
/// A read that fails is not kept: the next claim reads again. Per process, in memory.
actor SharedOrderReads {
    struct Key: Hashable {
        let tenant: TenantID
        let orderID: String
    }

    private enum Entry {
        case reading(Task<ProviderOrder?, any Error>)
        case read(ProviderOrder?, at: ContinuousClock.Instant)
    }

    let reuseFor: Duration
    let now: @Sendable () -> ContinuousClock.Instant
    private var entries: [Key: Entry] = [:]
    /// At this many entries, expired ones are dropped; twice what is left after a pruning, so
    /// that pruning stays rare.
    private var pruneAt = SharedOrderReads.fewestToPrune
    private static let fewestToPrune = 1_000

    init(reuseFor: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.reuseFor = reuseFor
        self.now = now
    }

    /// The order as the provider reported it within `reuseFor`, or as `read` reports it now.
    func order(_ key: Key, read: @escaping @Sendable () async throws -> ProviderOrder?) async throws -> ProviderOrder? {
        switch entries[key] {
        case .reading(let task):
            return try await task.value
        case .read(let order, let at) where now() - at < reuseFor:
            return order
        default:
            break
        }
        if entries[key] == nil, entries.count >= pruneAt {
            let now = now()
            entries = entries.filter {
                if case .read(_, let at) = $0.value { return now - at < reuseFor }
                return true
            }
            pruneAt = max(Self.fewestToPrune, entries.count * 2)
        }
        let task = Task { try await read() }
        entries[key] = .reading(task)
        do {
            let order = try await task.value
            entries[key] = .read(order, at: now())
            return order
        } catch {
            entries[key] = nil
            throw error
        }
    }
}
