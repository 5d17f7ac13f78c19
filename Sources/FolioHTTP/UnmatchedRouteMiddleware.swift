import Hummingbird

/// Checks the key of a request that matched no route before it is answered 404, as the bearer
/// API's own routes do: a caller without a valid key is answered 401 and learns nothing about
/// which paths exist. The bearer API's middleware sits on its route group, and Hummingbird
/// answers a path that matches no route with the router's own middleware only, hence this one.
struct UnmatchedRouteMiddleware: RouterMiddleware {
    typealias Context = FolioRequestContext

    let authentication: AuthenticationMiddleware

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && context.principal == nil {
            _ = try await authentication.principal(for: request)
            throw error
        }
    }
}
