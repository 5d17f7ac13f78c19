import Crypto
import FolioDomain
import Foundation
import HTTPTypes
import Hummingbird
import TenantRegistry

/// Resolves `Authorization: Bearer <key>` into the calling principal for every path of the API
/// except the operational ones (health and metrics), and exposes it to the OpenAPI handlers.
/// `GET /metrics` needs the metrics key instead, when one is configured.
///
/// It runs before anything reads the request's body, so that a caller without a valid key
/// cannot make Folio buffer one.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = FolioRequestContext

    let keys: APIKeyStore
    /// Required as the bearer key of `GET /metrics` when set.
    let metricsKey: Secret?

    init(keys: APIKeyStore, metricsKey: Secret? = nil) {
        self.keys = keys
        self.metricsKey = metricsKey
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // Compared by segments, as the router matches them: `/metrics/` and `//metrics` reach the
        // metrics route too, so a prefix or an exact string would let them past the key.
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        if segments == ["metrics"] {
            if let metricsKey { try Self.requireMetricsKey(metricsKey, in: request) }
        } else if segments.first != "health" {
            context.principal = try await principal(for: request)
        }
        let values = RequestScope.Values(requestID: context.requestID, principal: context.principal, logger: context.logger)
        return try await RequestScope.$current.withValue(values) {
            try await next(request, context)
        }
    }

    func principal(for request: Request) async throws -> Principal {
        guard let principal = try await keys.authenticate(try Self.bearerKey(of: request)) else {
            throw APIProblem.invalidAPIKey
        }
        return principal
    }

    private static func bearerKey(of request: Request) throws -> String {
        guard let authorization = request.headers[.authorization] else {
            throw APIProblem.missingAPIKey
        }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIProblem.invalidAPIKey
        }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// Compares digests, so that the time taken says nothing about how much of the key matched.
    private static func requireMetricsKey(_ metricsKey: Secret, in request: Request) throws {
        let presented = SHA256.hash(data: Data(try bearerKey(of: request).utf8))
        let expected = SHA256.hash(data: Data(metricsKey.revealed.utf8))
        var difference: UInt8 = 0
        for (left, right) in zip(presented, expected) { difference |= left ^ right }
        guard difference == 0 else { throw APIProblem.invalidAPIKey }
    }
}
