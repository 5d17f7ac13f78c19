import FolioAPI
import FolioDomain
import Foundation
import InvoicingService
import Logging
import Prometheus
import TenantRegistry

/// Folio's REST API: the implementation of the operations generated from `openapi/openapi.yaml`.
///
/// Expected failures are thrown as `APIProblem` (or domain errors that map to one) and rendered by
/// `ProblemMiddleware`, so every error shares one shape whatever the operation.
package final class FolioAPIHandler: APIProtocol, Sendable {
    let tenants: TenantDirectory
    let keys: APIKeyStore
    let invoicing: InvoicingSetup
    let invoices: InvoiceBook
    let idempotency: IdempotencyStore
    let events: EventFeed
    let readiness: @Sendable () async -> Bool
    let metrics: PrometheusCollectorRegistry
    /// Without them, `POST …/sessions` answers 503 `sessions_not_configured`.
    let sessions: SessionTokens?
    /// Where browsers reach Folio, for the components' URL; the public base URL when nil.
    let browserBaseURL: URL?

    package init(
        tenants: TenantDirectory,
        keys: APIKeyStore,
        invoicing: InvoicingSetup,
        invoices: InvoiceBook,
        idempotency: IdempotencyStore,
        events: EventFeed,
        readiness: @escaping @Sendable () async -> Bool,
        metrics: PrometheusCollectorRegistry,
        sessions: SessionTokens? = nil,
        browserBaseURL: URL? = nil
    ) {
        self.tenants = tenants
        self.keys = keys
        self.invoicing = invoicing
        self.invoices = invoices
        self.idempotency = idempotency
        self.events = events
        self.readiness = readiness
        self.metrics = metrics
        self.sessions = sessions
        self.browserBaseURL = browserBaseURL
    }

    /// The caller as established by `AuthenticationMiddleware`.
    var principal: Principal {
        get throws {
            guard let principal = RequestScope.current?.principal else { throw APIProblem.missingAPIKey }
            return principal
        }
    }

    /// Who acts, for audit trails: the key that authenticated the request, and the request id.
    var actor: String {
        let key: String =
            switch RequestScope.current?.principal {
            case .platform(let keyID?): "platform-key:\(keyID.uuidString.lowercased())"
            case .platform(nil): "platform-key:configured"
            case .tenant(_, let keyID): "tenant-key:\(keyID.uuidString.lowercased())"
            case .session(let session): "session:\(session.id.uuidString.lowercased())"
            case nil: "anonymous"
            }
        return "\(key) request:\(RequestScope.current?.requestID ?? "unknown")"
    }

    func requirePlatform() throws {
        guard try principal.isPlatform else { throw APIProblem.platformOnly }
    }

    /// Parses a tenant id from a path and checks that the caller may reach it. A tenant the caller
    /// cannot reach answers exactly like one that does not exist.
    func reachableTenant(_ raw: String) throws -> TenantID {
        guard let id = TenantID(string: raw) else {
            throw APIProblem.invalidParameter("tenantId", "must be a UUID")
        }
        guard try principal.canReach(id) else { throw APIProblem.tenantNotFound(id.description) }
        return id
    }
}
