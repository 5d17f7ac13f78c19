import Foundation

/// Keeps every call of the process under one limit that all shops share, the provider's limit per
/// client address (500 requests per 30 s, invoicebox-api.md §6), with a sliding window. A request
/// over the limit waits for a slot, and waiting shops are served in turns, one request each,
/// rather than in arrival order: a shop that queued a hundred requests does not make the next
/// shop wait for all of them.
actor FairShareLimiter {
    let limit: Int
    let window: Duration
    private let clock: ElapsedClock
    private var booked = WindowBookings()
    /// The waiting requests of each key, in arrival order.
    private var queues: [String: [Waiter]] = [:]
    /// The keys with a waiting request, in the order their turns come.
    private var turns: [String] = []
    private var lastWaiterID = 0
    private var dispatching = false

    private struct Waiter {
        let id: Int
        let deadline: Duration
        let continuation: CheckedContinuation<Bool, any Error>
    }

    init(limit: Int, window: Duration, clock: some Clock<Duration> = ContinuousClock()) {
        self.limit = max(1, limit)
        self.window = window
        self.clock = ElapsedClock(clock)
    }

    /// How many requests are waiting for a slot.
    var waiterCount: Int { queues.values.reduce(0) { $0 + $1.count } }

    /// Waits for a slot for a request of `key`, and books it. Returns false, booking nothing,
    /// when no slot can come within `budget`.
    func acquire(_ key: String, within budget: Duration) async throws -> Bool {
        try Task.checkCancellation()
        let now = clock.now()
        forgetOutsideWindow(at: now)
        if turns.isEmpty, booked.count < limit {
            booked.append(now)
            return true
        }
        let deadline = now + budget
        if let slot = nextSlot(), slot > deadline { return false }
        lastWaiterID += 1
        let id = lastWaiterID
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
                if queues[key] == nil { turns.append(key) }
                queues[key, default: []].append(Waiter(id: id, deadline: deadline, continuation: continuation))
                startDispatching()
            }
        } onCancel: {
            Task { await self.withdraw(id) }
        }
    }

    /// Hands out slots as they free, until no request waits.
    private func startDispatching() {
        guard !dispatching else { return }
        dispatching = true
        Task { await self.dispatch() }
    }

    private func dispatch() async {
        while true {
            let now = clock.now()
            forgetOutsideWindow(at: now)
            while booked.count < limit, let key = turns.first {
                turns.removeFirst()
                var queue = queues[key] ?? []
                let waiter = queue.removeFirst()
                queues[key] = queue.isEmpty ? nil : queue
                if !queue.isEmpty { turns.append(key) }
                if waiter.deadline < now {
                    waiter.continuation.resume(returning: false)
                } else {
                    booked.append(now)
                    waiter.continuation.resume(returning: true)
                }
            }
            guard let slot = nextSlot(), !turns.isEmpty else { break }
            // A request whose budget ends before the next slot cannot be served in time.
            refuseWaiters(endingBefore: slot)
            guard !turns.isEmpty else { break }
            // Only `withdraw` and the waiters' own cancellation end a wait; this loop is never cancelled.
            try? await clock.sleep(slot)
        }
        dispatching = false
    }

    /// When the oldest booking inside the window leaves it; nil while a slot is free.
    private func nextSlot() -> Duration? {
        booked.nextSlot(limit: limit, window: window)
    }

    private func forgetOutsideWindow(at now: Duration) {
        booked.forget(outside: window, at: now)
    }

    private func refuseWaiters(endingBefore slot: Duration) {
        for key in turns {
            let (late, onTime) = (queues[key] ?? []).reduce(into: ([Waiter](), [Waiter]())) { split, waiter in
                if waiter.deadline < slot { split.0.append(waiter) } else { split.1.append(waiter) }
            }
            for waiter in late { waiter.continuation.resume(returning: false) }
            queues[key] = onTime.isEmpty ? nil : onTime
        }
        turns.removeAll { queues[$0] == nil }
    }

    /// A cancelled waiter leaves its queue and its wait ends with `CancellationError`.
    private func withdraw(_ id: Int) {
        for (key, queue) in queues {
            guard let index = queue.firstIndex(where: { $0.id == id }) else { continue }
            var remaining = queue
            let waiter = remaining.remove(at: index)
            queues[key] = remaining.isEmpty ? nil : remaining
            if remaining.isEmpty { turns.removeAll { $0 == key } }
            waiter.continuation.resume(throwing: CancellationError())
            return
        }
    }
}
