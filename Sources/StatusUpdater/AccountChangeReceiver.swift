import FolioDomain
import Foundation
import InvoicingService
import Logging
import Metrics
import PaymentsPort
import TenantRegistry

/// Takes the deliveries of the webhooks Folio registered on a tenant's account (Fakturownia,
/// fakturownia-api.md §9, §13). A delivery carries no signature and no event kind, only the
/// secret Folio set on the webhook: the tenant and the kind come from the URL, the secret is
/// compared in constant time, and the document is then read again with the tenant's token. Only
/// what that read says moves the invoice, and only forward, so a change Folio caused itself
/// (a recorded payment, a cancel) comes back as a replay that changes nothing.
package struct AccountChangeReceiver: Sendable {
    /// How a delivery was answered: the HTTP status and a short word for logs and metrics.
    package enum Outcome: String, Sendable {
        /// The invoice moved, or already was where the read says.
        case accepted
        /// A document Folio does not keep (made in the provider's application): nothing to change.
        case ignored
        case malformed
        case unauthorized
        case unknownTenant = "unknown_tenant"
        case tooMany = "too_many"
        /// A failure on Folio's side; reconciliation catches the change up anyway.
        case retryLater = "retry_later"

        package var httpStatus: Int {
            switch self {
            case .accepted, .ignored: 200
            case .malformed: 400
            case .unauthorized: 401
            case .unknownTenant: 404
            case .tooMany: 429
            case .retryLater: 503
            }
        }
    }

    let tenants: TenantDirectory
    let setup: InvoicingSetup
    let book: InvoiceBook
    let provider: any PaymentProvider
    let onboarding: [ProviderName: any AccountOnboarding]
    let logger: Logger
    /// Failed deliveries (a wrong secret, a body that is not one) a source address may send.
    let failures: RateLimiter

    /// The largest body read: a delivery is a few kilobytes.
    package static let maximumBodySize = 64 << 10

    package init(
        tenants: TenantDirectory, setup: InvoicingSetup, book: InvoiceBook, provider: any PaymentProvider, onboarding: [any AccountOnboarding],
        failuresPerSource: RateLimit = RateLimit(requests: 60, window: .seconds(10)), logger: Logger
    ) {
        self.tenants = tenants
        self.setup = setup
        self.book = book
        self.provider = provider
        self.onboarding = Dictionary(onboarding.map { ($0.provider, $0) }, uniquingKeysWith: { first, _ in first })
        self.logger = logger
        self.failures = RateLimiter(limit: failuresPerSource)
    }

    /// Whether a source that sent too many failed deliveries is refused before its body is read.
    package func admits(source: String?) -> Bool {
        failures.hasRoom(NotificationReceiver.sourceKey(source))
    }

    /// Handles one delivery for `tenantID`'s account at `provider`, of event `kind` (the URL's last segment).
    package func receive(provider name: String, tenantID: String, kind: String, body: Data, source: String?) async -> Outcome {
        let outcome = await process(provider: name, tenantID: tenantID, kind: kind, body: body)
        if [.malformed, .unauthorized, .unknownTenant].contains(outcome) {
            _ = failures.admit(NotificationReceiver.sourceKey(source))
        }
        Counter(label: "folio_account_changes_total", dimensions: [("outcome", outcome.rawValue)]).increment()
        return outcome
    }

    private func process(provider name: String, tenantID: String, kind: String, body: Data) async -> Outcome {
        guard let providerName = ProviderName(rawValue: name), let onboarding = onboarding[providerName] else { return .unknownTenant }
        guard let uuid = UUID(uuidString: tenantID) else { return .unknownTenant }
        let tenant = TenantID(uuid)
        guard let change = onboarding.accountChange(from: body) else { return .malformed }
        do {
            guard let secret = try await setup.webhookSecret(of: tenant) else { return .unauthorized }
            guard change.carries(secret) else {
                logger.warning("account webhook with a wrong secret refused", metadata: ["tenant.id": "\(tenant)"])
                return .unauthorized
            }
            return try await apply(change, kind: kind, tenant: tenant)
        } catch RegistryError.tenantNotFound {
            return .unknownTenant
        } catch {
            FailureReport.record(
                error, "account change not applied; reconciliation will catch it up", operation: "account_change.receive", tenant: tenant,
                extra: ["provider.document_id": "\(change.documentID)"], logger: logger)
            return .retryLater
        }
    }

    /// Reads the document again and moves its invoice to what the read says. A document the
    /// read no longer finds was deleted: an invoice not paid yet is void.
    private func apply(_ change: AccountChange, kind: String, tenant: TenantID) async throws -> Outcome {
        let shop = try await setup.shop(of: tenant, actor: "webhooks")
        let order = try await provider.order(id: change.documentID, shop: shop)
        guard
            let invoice = try await InvoiceBook.invoice(
                tenant, merchantOrderID: order?.merchantOrderID ?? "", providerOrderID: change.documentID, in: tenants)
        else {
            logger.debug("account change for a document Folio does not keep", metadata: ["tenant.id": "\(tenant)", "kind": "\(kind)"])
            return .ignored
        }
        if let order {
            _ = try await book.apply(order, to: invoice, tenant: tenant)
        } else {
            _ = try await book.voidDeletedDocument(of: invoice, tenant: tenant)
        }
        return .accepted
    }
}
