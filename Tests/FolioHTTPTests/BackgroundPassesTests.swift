import FolioTestSupport
import InvoicingService
import Logging
import ServiceLifecycle
import StatusUpdater
import Synchronization
import Testing

/// The loop every background job runs, stepped on a manual clock.
@Suite struct BackgroundPassesTests {
    final class Backlog: Sendable {
        private let state: Mutex<(items: Int, passes: Int)>

        init(items: Int) {
            state = Mutex((items: items, passes: 0))
        }

        var passes: Int { state.withLock { $0.passes } }

        func add(_ count: Int) {
            state.withLock { $0.items += count }
        }

        /// One pass: handles one item, if there is one.
        func pass() -> Int {
            state.withLock { state in
                state.passes += 1
                guard state.items > 0 else { return 0 }
                state.items -= 1
                return 1
            }
        }
    }

    @Test func aBacklogIsWorkedThroughAndAnIdleJobPausesOnItsClock() async throws {
        let clock = TestClock()
        let backlog = Backlog(items: 3)
        let job = Task {
            await runPasses(pausing: .seconds(15), onlyWhenIdle: true, clock: clock, logger: TestDatabase.logger, failure: "pass failed") {
                backlog.pass()
            }
        }
        defer { job.cancel() }
        // Three passes with an item each, then one that finds nothing and pauses.
        try await eventually { clock.sleeperCount == 1 }
        #expect(backlog.passes == 4)
        backlog.add(1)
        clock.advance(by: .seconds(14))
        #expect(backlog.passes == 4, "the pause is not over")
        clock.advance(by: .seconds(1))
        try await eventually { backlog.passes == 6 && clock.sleeperCount == 1 }
        job.cancel()
        await job.value
    }

    @Test func aJobWithoutOnlyWhenIdlePausesAfterEveryPass() async throws {
        let clock = TestClock()
        let backlog = Backlog(items: 3)
        let job = Task {
            await runPasses(pausing: .seconds(60), clock: clock, logger: TestDatabase.logger, failure: "pass failed") {
                backlog.pass()
            }
        }
        defer { job.cancel() }
        try await eventually { clock.sleeperCount == 1 }
        #expect(backlog.passes == 1)
        clock.advance(by: .seconds(60))
        try await eventually { backlog.passes == 2 && clock.sleeperCount == 1 }
        job.cancel()
        await job.value
    }
}

/// Every job pauses on the clock it was given, so a test steps it instead of waiting.
@Suite struct JobClockTests {
    @Test func eachJobPausesOnItsInjectedClock() async throws {
        try await TestAPI.run { api in
            let logger = TestDatabase.logger
            let jobs: [(String, TestClock, any Service)] = {
                let clocks = (0..<4).map { _ in TestClock() }
                return [
                    ("recovery", clocks[0], InvoiceRecovery(client: api.database, book: api.book, logger: logger, clock: clocks[0])),
                    ("reconciliation", clocks[1], Reconciler(client: api.database, book: api.book, logger: logger, clock: clocks[1])),
                    ("refunds", clocks[2], RefundPoller(client: api.database, book: api.book, logger: logger, clock: clocks[2])),
                    ("heartbeat", clocks[3], ReplicaHeartbeat(client: api.database, logger: logger, clock: clocks[3])),
                ]
            }()
            let group = ServiceGroup(configuration: .init(services: jobs.map(\.2), gracefulShutdownSignals: [], logger: logger))
            let running = Task { try await group.run() }
            for (name, clock, _) in jobs {
                // A job sleeping on the real clock would never wait on this one.
                #expect(try await eventually(Comment(rawValue: "\(name) pauses on its clock")) { clock.sleeperCount == 1 })
            }
            await group.triggerGracefulShutdown()
            try await running.value
        }
    }
}
