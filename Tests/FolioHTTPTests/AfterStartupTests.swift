import FolioApp
import FolioTestSupport
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Background jobs wait for the start-up checks, so a first start against an empty database
/// runs no pass before the migrations have created the tables.
@Suite struct AfterStartupTests {
    final class CountingService: Service {
        let runs = Atomic<Int>(0)
        func run() async throws {
            runs.add(1, ordering: .relaxed)
        }
    }

    @Test func aJobStartsOnlyOnceTheGateOpens() async throws {
        let gate = StartupGate()
        let job = CountingService()
        let waiting = Task { try await AfterStartup(gate: gate, service: job).run() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(job.runs.load(ordering: .relaxed) == 0)
        gate.open()
        try await waiting.value
        #expect(job.runs.load(ordering: .relaxed) == 1)
    }

    @Test func aShutdownBeforeTheGateOpensEndsTheWaitWithoutRunningTheJob() async throws {
        let job = CountingService()
        let wrapped = AfterStartup(gate: StartupGate(), service: job)
        let group = ServiceGroup(configuration: .init(services: [wrapped], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(100))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(job.runs.load(ordering: .relaxed) == 0)
    }
}
