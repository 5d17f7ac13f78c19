import FolioAPI
import FolioDomain
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime

/// Builds the HTTP side of Folio: middleware in the order each one needs, then the generated routes.
package enum FolioApplication {
    /// Middleware is added before the routes, because Hummingbird binds each route to the
    /// middleware registered when the route is added.
    ///
    /// - Parameter metricsKey: when set, `GET /metrics` needs it as a bearer key.
    package static func buildRouter(handler: FolioAPIHandler, metricsKey: Secret? = nil) throws -> Router<FolioRequestContext> {
        let router = Router(context: FolioRequestContext.self)
        // Outermost, so that it records the status the caller finally gets.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: LogRequestsMiddleware(.info))
        router.add(middleware: AcceptMiddleware())
        // The key before the body: a caller without one never gets a byte of its body read.
        router.add(middleware: AuthenticationMiddleware(keys: handler.keys, metricsKey: metricsKey))
        router.add(middleware: RequestBodyLimitMiddleware())
        // Compact JSON: pretty-printing (the generator's default) costs every list page time and bytes.
        try handler.registerHandlers(on: router, configuration: Configuration(jsonEncodingOptions: [.sortedKeys]))
        return router
    }

    package static func build(
        handler: FolioAPIHandler,
        host: String,
        port: Int,
        metricsKey: Secret? = nil,
        logger: Logger
    ) throws -> some ApplicationProtocol {
        Application(
            router: try buildRouter(handler: handler, metricsKey: metricsKey),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            logger: logger
        )
    }
}
