import Crypto
import FolioDomain
import Foundation

/// At most `limit` requests in flight per account (fakturownia-api.md §10 recommends one or two
/// per tenant, since the provider documents no limit). Waiters are served in arrival order.
package actor InFlightLimiter {
    /// Shared by every gateway of the process, so that two gateways for the same account still
    /// share its cap.
    package static let shared = InFlightLimiter()

    private var running: [String: Int] = [:]
    private var waiting: [String: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)]] = [:]
    private var nextWaiter: UInt64 = 0

    package init() {}

    /// The key of an account: its base URL and a digest of its token, so that the token itself
    /// is never held as a key.
    package static func key(baseURL: URL, token: String) -> String {
        let digest = SHA256.hash(data: Data(token.utf8)).lowercaseHex
        return baseURL.absoluteString + "#" + digest.prefix(32)
    }

    /// Waits for a slot of `key`; every call that returns is paired with one `release(_:)`. A
    /// task cancelled while it waits leaves the queue at once (`CancellationError`) and takes no
    /// slot, so a slot is never held for a request that will not be made.
    package func acquire(_ key: String, limit: Int) async throws {
        if running[key, default: 0] < max(1, limit) {
            running[key, default: 0] += 1
            return
        }
        let id = nextWaiter
        nextWaiter += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Cancelled before it queued: the handler below found nothing to remove.
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiting[key, default: []].append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.leave(key, waiter: id) }
        }
    }

    /// Takes a cancelled waiter out of the queue, if a slot has not reached it yet.
    private func leave(_ key: String, waiter id: UInt64) {
        guard var queue = waiting[key], let index = queue.firstIndex(where: { $0.id == id }) else { return }
        let waiter = queue.remove(at: index)
        waiting[key] = queue.isEmpty ? nil : queue
        waiter.continuation.resume(throwing: CancellationError())
    }

    /// Hands the slot to the next waiter, or frees it.
    package func release(_ key: String) {
        if var queue = waiting[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[key] = queue.isEmpty ? nil : queue
            next.continuation.resume()
            return
        }
        let count = running[key, default: 0] - 1
        running[key] = count > 0 ? count : nil
    }

    /// Requests of `key` running now.
    package func inFlight(_ key: String) -> Int { running[key, default: 0] }

    /// Requests of `key` waiting for a slot.
    package func waiting(_ key: String) -> Int { waiting[key]?.count ?? 0 }
}
