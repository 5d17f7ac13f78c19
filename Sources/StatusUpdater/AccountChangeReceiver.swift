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
        /// A document Folio does not keep and cannot import (a currency or VAT rate it does not
        /// know), or one deleted that Folio never held: nothing to change.
        case ignored
        case malformed
        case unauthorized
        case unknownTenant = "unknown_tenant"
        /// The tenant has no account webhooks: invoicing is disabled or on another account.
        case notSubscribed = "not_subscribed"
        case tooMany = "too_many"
        /// A failure on Folio's side; reconciliation catches the change up anyway.
        case retryLater = "retry_later"

        package var httpStatus: Int {
            switch self {
            case .accepted, .ignored: 200
            case .malformed: 400
            case .unauthorized: 401
            case .unknownTenant, .notSubscribed: 404
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
    /// Deliveries taken for one tenant: each costs two reads at the provider.
    let perTenant: RateLimiter
    /// Admits one audit row of the secret's use per tenant per minute.
    let secretUseAudits: RateLimiter

    /// The largest body read: a delivery is a few kilobytes.
    package static let maximumBodySize = 64 << 10

    package init(
        tenants: TenantDirectory, setup: InvoicingSetup, book: InvoiceBook, provider: any PaymentProvider, onboarding: [any AccountOnboarding],
        failuresPerSource: RateLimit = RateLimit(requests: 60, window: .seconds(10)),
        perTenant: RateLimit = RateLimit(requests: 60, window: .seconds(10)), logger: Logger
    ) {
        self.perTenant = RateLimiter(limit: perTenant)
        self.secretUseAudits = RateLimiter(limit: RateLimit(requests: 1, window: .seconds(60)))
        self.tenants = tenants
        self.setup = setup
        self.book = book
        self.provider = provider
        self.onboarding = Dictionary(onboarding.map { ($0.provider, $0) }, uniquingKeysWith: { first, _ in first })
        self.logger = logger
        self.failures = RateLimiter(limit: failuresPerSource)
    }

    /// A body too large to be a delivery, or unreadable: charged to its source like a wrong secret.
    package func refuseUnreadableBody(source: String?) -> Outcome {
        _ = failures.admit(NotificationReceiver.sourceKey(source))
        Counter(label: "folio_account_changes_total", dimensions: [("outcome", Outcome.malformed.rawValue)]).increment()
        return .malformed
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
        guard perTenant.admit(tenant.description) else { return .tooMany }
        do {
            // No secret: the tenant has no account webhooks (any more). Not charged to the source:
            // an account's leftover webhooks must not use up the allowance of the provider's
            // addresses, which every tenant's deliveries share.
            guard let (secret, keyID) = try await setup.webhookSecret(of: tenant) else { return .notSubscribed }
            guard change.carries(secret) else {
                logger.warning("account webhook with a wrong secret refused", metadata: ["tenant.id": "\(tenant)"])
                return .unauthorized
            }
            if secretUseAudits.admit(tenant.description) {
                try await setup.recordWebhookSecretUse(of: tenant, keyID: keyID, actor: "webhooks")
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

    /// The event kinds whose document, when no invoice holds it, is one the tenant made in the
    /// provider's application and Folio imports.
    static let importingKinds: Set<String> = ["invoice:create", "invoice:update"]

    /// Reads the document again and moves its invoice to what the read says. A document the
    /// read no longer finds was deleted: an invoice not paid yet is void. A document no invoice
    /// holds was made in the provider's application: it is imported.
    private func apply(_ change: AccountChange, kind: String, tenant: TenantID) async throws -> Outcome {
        let shop = try await setup.shop(of: tenant, actor: "webhooks")
        guard let order = try await provider.order(id: change.documentID, shop: shop) else {
            guard let invoice = try await InvoiceBook.invoice(tenant, merchantOrderID: "", providerOrderID: change.documentID, in: tenants) else {
                return ignored(kind: kind, tenant: tenant)
            }
            // A pending invoice is its creation's (or the recovery job's) to settle.
            if invoice.status != .pending { _ = try await book.voidDeletedDocument(of: invoice, tenant: tenant) }
            return .accepted
        }
        // The same rule per document as the account reconciliation's.
        switch try await book.takeDocument(order, tenant: tenant, provider: shop.provider, importing: Self.importingKinds.contains(kind)) {
        case .applied, .imported: return .accepted
        case .skipped: return ignored(kind: kind, tenant: tenant)
        }
    }

    private func ignored(kind: String, tenant: TenantID) -> Outcome {
        logger.debug("account change for a document Folio does not keep", metadata: ["tenant.id": "\(tenant)", "kind": "\(kind)"])
        return .ignored
    }
}
