import FolioDomain
import Foundation
import PaymentsPort
import TenantRegistry

/// Where a tenant stands with its payment provider.
package struct InvoicingState: Sendable, Equatable {
    package enum Stage: String, Sendable {
        /// Never enabled, or disabled since.
        case disabled
        /// Invited by e-mail; waiting for the activation code.
        case invited
        /// A shop is connected and its token is in the vault.
        case active
    }

    package var stage: Stage
    package var invitedEmail: String?
    package var invitedAt: Date?
    package var merchantID: String?
    package var activatedAt: Date?
    package var tokenLastFour: String?
    package var hasNotificationKey: Bool
    /// The hash of the notification key's HMAC, when there is a key.
    package var notificationKeyAlgorithm: NotificationKey.Algorithm?
    /// Until when the key replaced last still verifies notifications, while that grace period runs.
    package var previousNotificationKeyValidUntil: Date?
    /// When the last activation got no answer: the code may have become a shop whose token never
    /// arrived. The tenant stays invited, with nothing stored, until the shop is connected with
    /// the credentials from the provider's cabinet (or an activation succeeds after all).
    package var activationOutcomeUnknownAt: Date?
    /// The provider of an invited or active tenant.
    package var provider: ProviderName = .invoicebox
    /// An account provider's address for the tenant's account.
    package var accountURL: URL?
    /// How many webhooks Folio keeps registered on the tenant's account.
    package var webhookCount = 0
    /// Whether the tenant enters its account from the platform without a password.
    package var fastLogin = false
    /// What the tenant's provider does beyond creating, reading and canceling.
    package var capabilities: ProviderCapabilities = []

    package static let disabled = InvoicingState(stage: .disabled, hasNotificationKey: false)

    package init(
        stage: Stage, invitedEmail: String? = nil, invitedAt: Date? = nil, merchantID: String? = nil, activatedAt: Date? = nil, tokenLastFour: String? = nil,
        hasNotificationKey: Bool, notificationKeyAlgorithm: NotificationKey.Algorithm? = nil, previousNotificationKeyValidUntil: Date? = nil,
        activationOutcomeUnknownAt: Date? = nil
    ) {
        self.stage = stage
        self.invitedEmail = invitedEmail
        self.invitedAt = invitedAt
        self.merchantID = merchantID
        self.activatedAt = activatedAt
        self.tokenLastFour = tokenLastFour
        self.hasNotificationKey = hasNotificationKey
        self.notificationKeyAlgorithm = notificationKeyAlgorithm
        self.previousNotificationKeyValidUntil = previousNotificationKeyValidUntil
        self.activationOutcomeUnknownAt = activationOutcomeUnknownAt
    }
}

/// The vault purposes of the provider's secrets.
package enum InvoicingSecret {
    package static let apiToken = "invoicebox.api_token"
    package static let fakturowniaAPIToken = "fakturownia.api_token"
    /// The secret Fakturownia echoes in each webhook delivery to a tenant's account.
    package static let webhookSecret = "fakturownia.webhook_secret"
    package static let notificationKey = "invoicebox.notification_key"
    /// The key a rotation replaced, kept while its grace period runs.
    package static let previousNotificationKey = "invoicebox.notification_key.previous"
}

/// Why an invoicing step was refused; mapped to problems by the API layer.
package enum InvoicingError: Error, Equatable, Sendable, LogSafeError {
    /// The provider refused the token (on activation, or when credentials were given).
    case credentialsRejected
    /// The partner account is not configured (FOLIO_INVOICEBOX_PARTNER_ID / _TOKEN).
    case partnerNotConfigured
    /// The provider refused the partner's own credentials: a platform setting is wrong.
    case partnerRejected(requestID: String?)
    /// Activation needs an invitation first.
    case notInvited
    /// The tenant already invoices; disable it first to start over.
    case alreadyActive
    /// The last invitation went out moments ago.
    case inviteTooSoon(retryAfterSeconds: Int)
    /// The provider refused the activation code. `afterUnknownOutcome` when an earlier activation
    /// got no answer: the refused code may be that one, already spent on the tenant's shop.
    case activationCodeRejected(providerCode: String?, requestID: String?, afterUnknownOutcome: Bool = false)
    /// The activation call got no answer (lost, timed out, or a failure that does not say the
    /// code was refused): the code may have become a shop whose token never arrived, and a used
    /// code is not taken again. Nothing was stored.
    case activationOutcomeUnknown(requestID: String?)
    /// Invoices need an active shop.
    case notActive
    /// The token has no rights to the merchant id it was given with.
    case merchantNotOwned
    /// The merchant is connected to another tenant.
    case merchantAlreadyConnected
    /// Another merchant, or disabling, would strand the payments of these open invoices.
    case hasOpenInvoices(count: Int)
    /// Too many activation attempts, or the tenant's share of the partner quota is used up.
    case tooManyAttempts(retryAfterSeconds: Int)
    /// Folio's database failed or could not be reached.
    case databaseFailed(DatabaseFailure)
    /// This Folio is not configured for the provider (its partner account or public URL).
    case providerNotConfigured(ProviderName)
    /// The tenant's provider does not do this (`operation` names it for the host).
    case notSupportedByProvider(operation: String, provider: ProviderName)
}

extension InvoicingError: DatabaseFailureWrapping {
    package var databaseFailure: DatabaseFailure? {
        if case .databaseFailed(let failure) = self { failure } else { nil }
    }
}

/// Why an invoice operation was refused; mapped to problems by the API layer.
package enum InvoiceError: Error, Equatable, Sendable, LogSafeError {
    case notFound
    /// Only an unpaid invoice can be canceled; `status` is where it is now.
    case notCancelable(status: InvoiceStatus, providerCode: String?, providerRequestID: String?)
    /// Only a paid invoice can be refunded.
    case notRefundable(status: InvoiceStatus)
    /// Only an open invoice, before payment, can be edited; `status` is where it is now.
    case notEditable(status: InvoiceStatus, providerCode: String?, providerRequestID: String?)
    /// Another edit of the invoice is being sent to the provider; it is stored or dropped first.
    case editInProgress
    /// The invoice has no document to send in this status (pending, failed, canceled, expired).
    case notSendable(status: InvoiceStatus)
    /// Nothing is owed on the invoice in this status: only an open or partially paid one takes a payment.
    case notPayable(status: InvoiceStatus)
    /// The provider took the update of an order that was no longer awaiting payment; `status` is
    /// where the invoice is now, with what was paid for.
    case editTakenAfterPayment(status: InvoiceStatus)
}
