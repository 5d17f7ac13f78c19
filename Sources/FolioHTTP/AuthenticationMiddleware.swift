import Foundation
import FolioDomain
import HTTPTypes
import Hummingbird
import TenantRegistry

/// Resolves `Authorization: Bearer <key>` into the calling principal for every path except the
/// operational ones (health and metrics) and the provider's notifications, and exposes it to the OpenAPI handlers.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = FolioRequestContext

    let keys: APIKeyStore

    static let publicPathPrefixes = ["/health/", "/metrics", notificationPathPrefix]
    /// The provider's notifications carry a signature instead of a key.
    static let notificationPathPrefix = "/v1/providers/invoicebox/notifications/"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let path = request.uri.path
        if !Self.publicPathPrefixes.contains(where: { path.hasPrefix($0) }) {
            context.principal = try await principal(for: request)
        }
        var values = RequestScope.Values(requestID: context.requestID, principal: context.principal, logger: context.logger)
        if path.hasPrefix(Self.notificationPathPrefix) { values.headers = request.headers }
        return try await RequestScope.$current.withValue(values) {
            try await next(request, context)
        }
    }

    private func principal(for request: Request) async throws -> Principal {
        guard let authorization = request.headers[.authorization] else {
            throw APIProblem.missingAPIKey
        }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIProblem.invalidAPIKey
        }
        let presented = parts[1].trimmingCharacters(in: .whitespaces)
        guard let principal = try await keys.authenticate(presented) else {
            throw APIProblem.invalidAPIKey
        }
        return principal
    }
}
