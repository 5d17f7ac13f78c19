import HTTPTypes
import Hummingbird

/// Lets the pages of the configured origins call the API from a browser, and no other page.
///
/// Browsers send a preflight `OPTIONS` before a call with an `Authorization` header; it carries
/// no key, so it is answered here, ahead of authentication and routing. An answer to an allowed
/// origin names that origin (never `*`) and varies on it, so that no cache hands one origin's
/// answer to another.
struct CrossOriginMiddleware: RouterMiddleware {
    typealias Context = FolioRequestContext

    let allowedOrigins: Set<String>
    /// Shared with the problem middleware, which runs inside this one: a refused preflight never
    /// reaches it, yet its answer carries an id like every other.
    let requestIDs: RequestIDGenerator

    static let allowedMethods = "GET, POST, PUT, DELETE"
    static let allowedHeaders = "Authorization, Content-Type, Accept, Accept-Language, Idempotency-Key"
    static let exposedHeaders = "Retry-After, Location, ETag, X-Request-Id"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return Self.varyingOnOrigin(try await next(request, context), when: !allowedOrigins.isEmpty) }
        let allowed = allowedOrigins.contains(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else {
                var refusal = ProblemDocument.response(for: .originNotAllowed, requestID: requestIDs.next())
                refusal.headers[.vary] = "Origin"
                return refusal
            }
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: origin,
                    .accessControlAllowMethods: Self.allowedMethods,
                    .accessControlAllowHeaders: Self.allowedHeaders,
                    .accessControlMaxAge: "600",
                    .vary: "Origin",
                ]
            )
        }
        var response = try await next(request, context)
        // A public asset answers every origin itself, the same for all.
        guard response.headers[.accessControlAllowOrigin] == nil else { return response }
        if allowed {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        }
        return Self.varyingOnOrigin(response, when: true)
    }

    /// Every API answer depends on the origin once any origin is allowed: a cache must not hand
    /// an answer without `Access-Control-Allow-Origin` to a page that would have got one.
    static func varyingOnOrigin(_ response: Response, when varies: Bool) -> Response {
        guard varies, response.headers[.accessControlAllowOrigin] != "*" else { return response }
        var response = response
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
        return response
    }
}
