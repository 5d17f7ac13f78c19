import ServiceLifecycle
import Synchronization

/// Opened once the start-up checks are done: the migrations applied, the vault's keys checked.
package final class StartupGate: Sendable {
    private let opened = Atomic<Bool>(false)

    package init() {}

    package var isOpen: Bool { opened.load(ordering: .acquiring) }

    package func open() {
        opened.store(true, ordering: .releasing)
    }
}

/// Runs a background service only once the start-up checks are done. The services start with
/// the server's start-up, before the migrations it applies, so on a first start against an
/// empty database they would otherwise run their first pass against tables that do not exist
/// yet. A shutdown before the gate opens ends the wait.
package struct AfterStartup: Service {
    let gate: StartupGate
    let service: any Service

    package init(gate: StartupGate, service: any Service) {
        self.gate = gate
        self.service = service
    }

    package func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { [gate] in
                while !gate.isOpen {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
        } catch is CancellationError {
            return
        }
        try await service.run()
    }
}
