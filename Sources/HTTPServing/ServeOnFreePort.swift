import Foundation
import Hummingbird
import Logging

/// Serves `router` on a free loopback port until `body`, given the base URL, returns.
package func serveOnFreePort<Context: RequestContext, Result: Sendable>(
    _ router: Router<Context>,
    logger: Logger,
    _ body: (URL) async throws -> Result
) async throws -> Result where Context.Source == ApplicationRequestContextSource {
    try await serveOnFreePort(responding: router.buildResponder(), logger: logger, body)
}

/// Serves `responder` on a free loopback port until `body`, given the base URL, returns.
package func serveOnFreePort<Responder: HTTPResponder, Result: Sendable>(
    responding responder: Responder,
    logger: Logger,
    _ body: (URL) async throws -> Result
) async throws -> Result where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let port = ListeningPort()
    let application = Application(
        responder: responder,
        configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
        onServerRunning: port.report,
        logger: logger
    )
    return try await port.serve(application, body)
}
