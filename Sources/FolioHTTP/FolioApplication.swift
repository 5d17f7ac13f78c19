import FolioAPI
import FolioDomain
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import StatusUpdater

/// Builds the HTTP side of Folio: the provider's notification route, then the bearer API with
/// its middleware in the order each one needs.
package enum FolioApplication {
    /// Middleware is added before the routes, because Hummingbird binds each route to the
    /// middleware registered when the route is added.
    ///
    /// - Parameters:
    ///   - metricsKey: when set, `GET /metrics` needs it as a bearer key.
    ///   - allowedOrigins: the origins (`https://panel.example.com`) whose pages may call the API.
    package static func buildRouter(
        handler: FolioAPIHandler,
        notifications: NotificationReceiver,
        accountChanges: AccountChangeReceiver? = nil,
        metricsKey: Secret? = nil,
        allowedOrigins: Set<String> = []
    ) throws -> Router<FolioRequestContext> {
        let router = Router(context: FolioRequestContext.self)
        // Outermost, so that it records the status the caller finally gets.
        router.add(middleware: RequestMetricsMiddleware())
        // Outside the problem middleware, so that a refused call still reaches the page as a
        // readable problem rather than an opaque network error.
        let requestIDs = RequestIDGenerator()
        router.add(middleware: CrossOriginMiddleware(allowedOrigins: allowedOrigins, requestIDs: requestIDs))
        router.add(middleware: ProblemMiddleware(requestIDs: requestIDs))
        // Debug, not info: a line per request costs every request a formatted log write, and the
        // metrics already count and time each route.
        router.add(middleware: LogRequestsMiddleware(.debug))
        let authentication = AuthenticationMiddleware(keys: handler.keys, metricsKey: metricsKey, sessions: handler.sessions)
        router.add(middleware: UnmatchedRouteMiddleware(authentication: authentication))
        ProviderNotificationRoute(notifications: notifications).register(on: router)
        if let accountChanges { AccountWebhookRoute(receiver: accountChanges).register(on: router) }
        WebAssetRoutes(assets: .bundled).register(on: router)

        let api = router.group()
            .add(middleware: BufferedResponseMiddleware())
            .add(middleware: AcceptMiddleware())
            // The key before the body: a caller without one never gets a byte of its body read.
            .add(middleware: authentication)
            .add(middleware: RequestBodyLimitMiddleware())
        // Compact JSON with keys in declaration order: pretty-printing (the generator's default) and
        // sorting the keys of every object cost each list page time and bytes.
        let configuration = Configuration(dateTranscoder: InternetDateTranscoder(), jsonEncodingOptions: [])
        try handler.registerHandlers(on: api, configuration: configuration)
        return router
    }
}
