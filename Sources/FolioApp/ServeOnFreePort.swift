import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The port a server bound to port 0 was given, known once it runs: pass `report` as the
/// application's `onServerRunning`.
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

    /// Runs `application`, which reports to this port, until `body`, given its loopback base
    /// URL, returns; then shuts it down gracefully, as a signal to `folio serve` would, so that
    /// its server ends its connections and its services finish their work. One that has not
    /// ended after `shutdownGrace` is cancelled.
    package func serve<App: ApplicationProtocol, Result: Sendable>(
        _ application: App,
        shutdownGrace: Duration = .seconds(5),
        _ body: (URL) async throws -> Result
    ) async throws -> Result {
        let services = ServiceGroup(configuration: .init(services: [application], logger: application.logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [continuation] in
                // A start that fails ends the stream too, so that its error is reported below.
                defer { continuation.finish() }
                try await services.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await group.next()
                throw CancellationError()
            }
            defer { group.cancelAll() }
            func shutDown() async {
                await services.triggerGracefulShutdown()
                group.addTask { try await Task.sleep(for: shutdownGrace) }
                // The first to end: the application, or the grace period; `defer` cancels the other.
                _ = try? await group.next()
            }
            do {
                let result = try await body(URL(string: "http://127.0.0.1:\(port)")!)
                await shutDown()
                return result
            } catch {
                await shutDown()
                throw error
            }
        }
    }
}

/// Serves `router` on a free loopback port until `body`, given the base URL, returns.
package func serveOnFreePort<Context: RequestContext, Result: Sendable>(
    _ router: Router<Context>,
    logger: Logger,
    _ body: (URL) async throws -> Result
) async throws -> Result where Context.Source == ApplicationRequestContextSource {
    let port = ListeningPort()
    let application = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
        onServerRunning: port.report,
        logger: logger
    )
    return try await port.serve(application, body)
}
