import Testing

@testable import InvoiceboxAdapter

/// The sliding window the provider limiters count bookings in: what left the window is forgotten,
/// what is inside stays in order, across the compactions that keep it small.
@Suite struct WindowBookingsTests {
    @Test func forgetsExactlyWhatLeftTheWindowAndKeepsTheRestInOrder() {
        var bookings = WindowBookings()
        for millisecond in 0..<1000 { bookings.append(.milliseconds(millisecond)) }
        bookings.forget(outside: .milliseconds(500), at: .milliseconds(999))
        // 499 ms before 999 is still inside; 500 ms before is not.
        #expect(bookings.count == 500)
        #expect(bookings[0] == .milliseconds(500))
        #expect(bookings[499] == .milliseconds(999))

        for millisecond in 1000..<2000 { bookings.append(.milliseconds(millisecond)) }
        bookings.forget(outside: .milliseconds(500), at: .milliseconds(1999))
        #expect(bookings.count == 500)
        #expect((0..<500).allSatisfy { bookings[$0] == .milliseconds(1500 + $0) })

        bookings.forget(outside: .milliseconds(500), at: .seconds(10))
        #expect(bookings.count == 0)
        bookings.append(.seconds(10))
        #expect(bookings.count == 1)
        #expect(bookings[0] == .seconds(10))
    }

    @Test func aBookingStaysUntilAWholeWindowHasPassed() {
        var bookings = WindowBookings()
        bookings.append(.seconds(5))
        bookings.forget(outside: .seconds(30), at: .seconds(34) + .milliseconds(999))
        #expect(bookings.count == 1)
        bookings.forget(outside: .seconds(30), at: .seconds(35))
        #expect(bookings.count == 0)
    }

    @Test func aBookingOverTheLimitIsRefusedWithTheMomentASlotFrees() {
        var bookings = WindowBookings()
        #expect(bookings.book(at: .seconds(0), limit: 2, window: .seconds(30)) == nil)
        #expect(bookings.book(at: .seconds(10), limit: 2, window: .seconds(30)) == nil)
        #expect(bookings.book(at: .seconds(15), limit: 2, window: .seconds(30)) == .seconds(30))
        #expect(bookings.count == 2, "a refused booking books nothing")
        #expect(bookings.nextSlot(limit: 3, window: .seconds(30)) == nil)
        #expect(bookings.book(at: .seconds(30), limit: 2, window: .seconds(30)) == nil)
        #expect(bookings.nextSlot(limit: 2, window: .seconds(30)) == .seconds(40))
    }
}
