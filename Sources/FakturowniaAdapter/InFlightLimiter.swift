import Crypto
import Foundation

/// At most `limit` requests in flight per account (fakturownia-api.md §10 recommends one or two
/// per tenant, since the provider documents no limit). Waiters are served in arrival order.
package actor InFlightLimiter {
    /// Shared by every gateway of the process, so that two gateways for the same account still
    /// share its cap.
    package static let shared = InFlightLimiter()

    private var running: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    package init() {}

    /// The key of an account: its base URL and a digest of its token, so that the token itself
    /// is never held as a key.
    package static func key(baseURL: URL, token: String) -> String {
        let digest = SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
        return baseURL.absoluteString + "#" + digest.prefix(32)
    }

    /// Waits for a slot of `key`; every call is paired with one `release(_:)`.
    package func acquire(_ key: String, limit: Int) async {
        if running[key, default: 0] < max(1, limit) {
            running[key, default: 0] += 1
            return
        }
        await withCheckedContinuation { continuation in
            waiting[key, default: []].append(continuation)
        }
    }

    /// Hands the slot to the next waiter, or frees it.
    package func release(_ key: String) {
        if var queue = waiting[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[key] = queue.isEmpty ? nil : queue
            next.resume()
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
