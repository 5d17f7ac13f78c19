import FolioDomain
import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// Counts and times every request under Hummingbird's metric names, once its answer is made.
///
/// Hummingbird's own `MetricsMiddleware` records after the body is written, by wrapping the body
/// in a closure; that takes the answer off the server's fast path, which sends a single-buffer
/// body with its head in one write, and costs every response a second system call. Folio's
/// answers are whole in memory when they leave the handler (`BufferedResponseMiddleware`), so
/// the time until then is the request's time.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let metrics = MetricsByRoute()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = MetricsByRoute.label(of: request.method)
        let active = metrics.activeRequests(method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let route = metrics.route(context.endpointPath ?? Self.unmatched, method, response.status)
            route.requests.increment()
            route.duration.recordNanoseconds((ContinuousClock.now - start).wholeNanoseconds)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let route = metrics.route(context.endpointPath ?? Self.unmatched, method, status)
            route.requests.increment()
            route.errors.increment()
            throw error
        }
    }

    /// One label for every path that matched no route, whatever it was answered.
    private static var unmatched: String { "NotFound" }
}

/// The metric objects of each route, method and status, made once: a metrics factory looks a
/// label up under a lock on every call.
final class MetricsByRoute: Sendable {
    struct RouteKey: Hashable {
        let route: String
        let method: String
        let status: HTTPResponse.Status
    }

    struct RouteMetrics: Sendable {
        let requests: Counter
        let duration: Timer
        let errors: Counter
    }

    private let routes = Mutex<[RouteKey: RouteMetrics]>([:])
    private let active = Mutex<[String: Meter]>([:])

    /// The method's name for a label; any method a client makes up is `_OTHER`, so that labels and
    /// this cache stay bounded.
    static func label(of method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .patch, .options, .connect, .trace: method.rawValue
        default: "_OTHER"
        }
    }

    func activeRequests(_ method: String) -> Meter {
        active.withLock { meters in
            if let meter = meters[method] { return meter }
            let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method)])
            meters[method] = meter
            return meter
        }
    }

    func route(_ route: String, _ method: String, _ status: HTTPResponse.Status) -> RouteMetrics {
        let key = RouteKey(route: route, method: method, status: status)
        return routes.withLock { routes in
            if let metrics = routes[key] { return metrics }
            let dimensions = [("http.route", route), ("http.request.method", method), ("http.response.status_code", String(status.code))]
            let metrics = RouteMetrics(
                requests: Counter(label: "hb.requests", dimensions: dimensions),
                duration: Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds),
                errors: Counter(
                    label: "hb.request.errors",
                    dimensions: [("http.route", route), ("http.request.method", method), ("error.type", String(status.code))])
            )
            routes[key] = metrics
            return metrics
        }
    }
}
