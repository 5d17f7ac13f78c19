import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The port a server listens on (for port 0, the one the system picked), known once it runs:
/// pass `report` as the application's `onServerRunning`.
package struct ListeningPort: Sendable {
    private let ports: AsyncStream<Int>
    private let continuation: AsyncStream<Int>.Continuation

    package init() {
        (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    }

    package var report: @Sendable (any Channel) async -> Void {
        { [continuation] channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
    }

    /// Runs `application`, which reports to this port, until `body`, given its base URL on
    /// `host`, returns; then shuts it down gracefully, as a signal to `folio serve` would, so
    /// that its server ends its connections and its services finish their work. An application
    /// that has not ended after `shutdownGrace` is cancelled.
    package func serve<App: ApplicationProtocol, Result: Sendable>(
        _ application: App,
        host: String = "127.0.0.1",
        shutdownGrace: Duration = .seconds(5),
        _ body: (URL) async throws -> Result
    ) async throws -> Result {
        let group = ServiceGroup(configuration: .init(services: [application], logger: application.logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { [continuation] in
                // A start that fails ends the stream too, so that its error is reported below.
                defer { continuation.finish() }
                try await group.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await tasks.next()
                throw CancellationError()
            }
            defer { tasks.cancelAll() }
            func shutDown() async {
                await group.triggerGracefulShutdown()
                tasks.addTask { try await Task.sleep(for: shutdownGrace) }
                // The first to end: the application, or the grace period; `defer` cancels the other.
                _ = try? await tasks.next()
            }
            do {
                let result = try await body(URL(string: "http://\(host):\(port)")!)
                await shutDown()
                return result
            } catch {
                await shutDown()
                throw error
            }
        }
    }
}
