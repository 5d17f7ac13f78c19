import Crypto
import FolioDomain
import Foundation
import HTTPTypes
import Hummingbird
import TenantRegistry

/// Resolves `Authorization: Bearer <key>` into the calling principal for every path of the API
/// except the operational ones (health and metrics), and exposes it to the OpenAPI handlers.
/// `GET /metrics` needs the metrics key instead, when one is configured. A session token is
/// verified without the database and confined to the operations of its components here, before
/// any handler runs.
///
/// It runs before anything reads the request's body, so that a caller without a valid key
/// cannot make Folio buffer one.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = FolioRequestContext

    let keys: APIKeyStore
    /// Required as the bearer key of `GET /metrics` when set.
    let metricsKey: Secret?
    /// Without them, a session token is refused like an unknown key.
    let sessions: SessionTokens?

    init(keys: APIKeyStore, metricsKey: Secret? = nil, sessions: SessionTokens? = nil) {
        self.keys = keys
        self.metricsKey = metricsKey
        self.sessions = sessions
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // Compared by segments, as the router matches them: `/metrics/` and `//metrics` reach the
        // metrics route too, so a prefix or an exact string would let them past the key.
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        if segments == ["metrics"] {
            if let metricsKey { try Self.requireMetricsKey(metricsKey, in: request) }
        } else if segments.first != "health" {
            let principal = try await principal(for: request)
            if case .session(let session) = principal {
                let allowing = SessionScope.components(allowing: request.method, path: request.uri.path)
                guard !allowing.isDisjoint(with: session.components) else { throw APIProblem.sessionForbidden }
            }
            context.principal = principal
        }
        let values = RequestScope.Values(requestID: context.requestID, principal: context.principal, logger: context.logger)
        return try await RequestScope.$current.withValue(values) {
            try await next(request, context)
        }
    }

    func principal(for request: Request) async throws -> Principal {
        let presented = try Self.bearerKey(of: request)
        if SessionTokens.looksLikeToken(presented) {
            guard let sessions else { throw APIProblem.invalidSession }
            do {
                return .session(try sessions.verify(presented))
            } catch .expired {
                throw APIProblem.sessionExpired
            } catch {
                throw APIProblem.invalidSession
            }
        }
        guard let principal = try await keys.authenticate(presented) else {
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
