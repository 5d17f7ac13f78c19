/// When each request inside a sliding window was let through, oldest first, for
/// `FairShareLimiter` and each shop of `SlidingWindowLimiter`. Forgetting the bookings that left
/// the window costs nothing per request however many the window holds: with a limit far above the
/// provider's (a negotiated one, or a benchmark's), a scan of every booking on every request came
/// to several per cent of a notification's CPU.
struct WindowBookings {
    /// Times in the order they were booked; those before `start` have left the window.
    private var times: [Duration] = []
    private var start = 0

    /// The bookings inside the window.
    var count: Int { times.count - start }

    /// The `index`th oldest booking inside the window.
    subscript(index: Int) -> Duration { times[start + index] }

    /// The newest booking, whether or not it is still inside the window; nil when none is kept.
    var latest: Duration? { count > 0 ? times[times.count - 1] : nil }

    /// Books `time`, which is no earlier than any booked before.
    mutating func append(_ time: Duration) {
        times.append(time)
    }

    /// When the next slot frees under `limit` per `window`: the moment the booking that fills the
    /// limit leaves the window; nil while a slot is free.
    func nextSlot(limit: Int, window: Duration) -> Duration? {
        count < limit ? nil : self[count - limit] + window
    }

    /// Books `now` if a slot is free under `limit` per `window` and returns nil; otherwise books
    /// nothing and returns when the next slot frees.
    mutating func book(at now: Duration, limit: Int, window: Duration) -> Duration? {
        forget(outside: window, at: now)
        if let slot = nextSlot(limit: limit, window: window) { return slot }
        append(now)
        return nil
    }

    /// Forgets the bookings `window` or longer before `now`.
    mutating func forget(outside window: Duration, at now: Duration) {
        while start < times.count, now - times[start] >= window { start += 1 }
        // Compacts once the forgotten half outweighs the rest, so each booking is moved at most
        // about once.
        if start >= 64, start * 2 >= times.count {
            times.removeFirst(start)
            start = 0
        }
    }
}
