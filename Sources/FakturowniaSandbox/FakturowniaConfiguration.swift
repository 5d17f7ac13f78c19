import Foundation

/// How the simulator behaves where the Fakturownia reference leaves a choice (fakturownia-api.md
/// §12 and the [U] points it lists). Every default is the reference's working assumption; each
/// can be changed at start (command line) or while running (`PUT /__sandbox/settings`).
package struct FakturowniaConfiguration: Sendable, Equatable {
    /// The seeded partner account that may open accounts for its users (§3).
    package var partnerPrefix = "partner"
    package var partnerAPIToken = "sandbox-partner-api-token-0123456789"
    /// The partner integration code the vendor issues on request (§3).
    package var integrationToken = "sandbox-integration-token-abcdef"

    /// What `POST /account.json` does without an `integration_token` (§3 [U]): by default the
    /// account is created but its `api_token` is not answered; `refuse` answers 401 instead.
    package var accountWithoutIntegrationToken: AccountWithoutIntegrationToken = .createWithoutToken
    /// What a `per_page` above 100 does (§5 "maximum 100"): capped to 100, or refused with 422.
    package var perPageOverLimit: PerPageOverLimit = .cap
    /// Whether webhook payloads carry the event kind at the top level (§9 [U]: no sample shows it).
    package var webhookPayloadIncludesKind = false
    /// Whether `send_by_email` answers HTTP 200 `{"status":"error","message":…}` and sends
    /// nothing, as it does for a business buyer before KSeF has numbered the invoice (§4, §7, §11).
    package var sendByEmailRefused = false
    /// Whether webhook deliveries are silently dropped (§9: delivery is at most once, retries are
    /// undocumented), so that reconciliation by polling can be tested.
    package var dropWebhookDeliveries = false
    /// Whether `POST`/`PUT /webhooks.json` also take the webhook's fields at the top level, without
    /// the `webhook` wrapper (§9 [U]: the VosFactures copy wraps them, a CLI does not). Unwrapped,
    /// the top-level `api_token` is the account's token, so it becomes the endpoint's secret too.
    package var acceptsUnwrappedWebhookFields = false
    /// How long a webhook receiver may take to answer.
    package var webhookTimeout: Duration = .seconds(5)
    /// The status `POST /invoices/cancel.json` leaves (§6 [U]: the call is documented, the status
    /// it leaves is not): the documented `rejected`, or a word of its own, `canceled`.
    package var cancelLeavesStatus: CancelLeavesStatus = .rejected

    package enum AccountWithoutIntegrationToken: String, Sendable, CaseIterable {
        case createWithoutToken = "create-without-token"
        case refuse
    }

    package enum CancelLeavesStatus: String, Sendable, CaseIterable {
        case rejected
        case canceled
    }

    package enum PerPageOverLimit: String, Sendable, CaseIterable {
        case cap
        case refuse
    }

    package init() {}
}
