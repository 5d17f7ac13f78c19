import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import TenantRegistry
import TokenVault

/// The host's "Enable invoicing" button: invite, activate by code, or connect an existing shop;
/// and disable again. Tokens go to the vault and nowhere else.
package struct InvoicingSetup: Sendable {
    let client: PostgresClient
    let vault: SecretVault
    let provider: any PaymentProvider
    /// `nil` when the platform has no partner account: invite and activation are then refused.
    let partner: PartnerCredentials?
    let providerBaseURL: URL
    let logger: Logger
    /// The shortest time between two invitations of one tenant.
    let reinviteInterval: Duration
    /// How many activation codes a tenant may try in a window.
    let activationLimit: ActivationAttemptLimit
    /// The time, for the activation limit; tests move it.
    let now: @Sendable () -> Date
    /// The providers whose accounts Folio opens or connects itself and subscribes to (Fakturownia).
    let onboarding: [ProviderName: any AccountOnboarding]
    /// How such a provider reaches Folio: the base of each account's webhook URLs.
    let publicBaseURL: URL?
    /// Whether the statement every notification runs is prepared (`DatabaseURL.preparesStatements`).
    let preparesStatements: Bool

    package init(
        client: PostgresClient, vault: SecretVault, provider: any PaymentProvider, partner: PartnerCredentials?, providerBaseURL: URL, logger: Logger,
        reinviteInterval: Duration = .seconds(60), activationLimit: ActivationAttemptLimit = .standard, now: @escaping @Sendable () -> Date = { Date() },
        onboarding: [any AccountOnboarding] = [], publicBaseURL: URL? = nil, preparesStatements: Bool
    ) {
        self.preparesStatements = preparesStatements
        self.onboarding = Dictionary(onboarding.map { ($0.provider, $0) }, uniquingKeysWith: { first, _ in first })
        self.publicBaseURL = publicBaseURL
        self.client = client
        self.vault = vault
        self.provider = provider
        self.partner = partner
        self.providerBaseURL = providerBaseURL
        self.logger = logger
        self.reinviteInterval = reinviteInterval
        self.activationLimit = activationLimit
        self.now = now
    }

    static let tokenPurpose = VaultPurpose(InvoicingSecret.apiToken)!
    static let notificationKeyPurpose = VaultPurpose(InvoicingSecret.notificationKey)!
    static let previousNotificationKeyPurpose = VaultPurpose(InvoicingSecret.previousNotificationKey)!

    package func state(of tenant: TenantID) async throws -> InvoicingState {
        try await translatingDatabaseFailures(into: InvoicingError.databaseFailed) {
            // A key stored before shops chose an algorithm is used with HMAC-SHA1; a grace period
            // that has run out is not shown.
            let rows = try await client.query(
                """
                SELECT state, invited_email, invited_at, merchant_id, activated_at, token_last_four, has_notification_key,
                    CASE WHEN has_notification_key THEN coalesce(notification_key_algorithm, \(NotificationKey.Algorithm.standard.rawValue)) END,
                    CASE WHEN previous_notification_key_valid_until > now() THEN previous_notification_key_valid_until END,
                    activation_outcome_unknown_at, provider, base_url, cardinality(webhook_ids), fast_login
                FROM folio.tenant_invoicing WHERE tenant_id = \(tenant.rawValue)
                """,
                logger: logger
            )
            guard
                let (
                    stage, email, invitedAt, merchantID, activatedAt, lastFour, hasKey, algorithm, previousValidUntil, outcomeUnknownAt, provider, baseURL,
                    webhookCount, fastLogin
                ) =
                    try await rows.decode(
                        (String, String?, Date?, String?, Date?, String?, Bool, String?, Date?, Date?, String, String?, Int32, Bool).self
                    ).firstElement()
            else {
                return .disabled
            }
            let providerName = try StoredValue.decode(ProviderName.self, provider, column: "tenant_invoicing.provider")
            var state = InvoicingState(
                stage: try StoredValue.decode(InvoicingState.Stage.self, stage, column: "tenant_invoicing.state"), invitedEmail: email, invitedAt: invitedAt,
                merchantID: merchantID, activatedAt: activatedAt, tokenLastFour: lastFour, hasNotificationKey: hasKey,
                notificationKeyAlgorithm: try algorithm.map {
                    try StoredValue.decode(NotificationKey.Algorithm.self, $0, column: "tenant_invoicing.notification_key_algorithm")
                },
                previousNotificationKeyValidUntil: previousValidUntil, activationOutcomeUnknownAt: outcomeUnknownAt
            )
            state.provider = providerName
            // Only an account provider's address is the tenant's own; Invoicebox's is the API's.
            state.accountURL = providerName == .invoicebox ? nil : baseURL.flatMap(URL.init(string:))
            state.webhookCount = Int(webhookCount)
            state.fastLogin = fastLogin
            state.capabilities = self.provider.capabilities(of: providerName)
            return state
        }
    }

    /// The active shop of a tenant, with its token from the vault, both read in one snapshot: a
    /// connection or a disable writes them in one transaction, so they are never paired across
    /// two calls.
    ///
    /// One statement, one round trip: the settings, the sealed token and the read's audit row
    /// (written only when a token is returned) commit together, so the token is never returned
    /// without its trace.
    package func shop(of tenant: TenantID, actor: String) async throws -> ShopCredentials {
        try await translatingDatabaseFailures(into: InvoicingError.databaseFailed) {
            let rows = try await client.query(
                """
                WITH settings AS (
                    SELECT merchant_id, api_prefix, base_url, provider FROM folio.tenant_invoicing
                    WHERE tenant_id = \(tenant.rawValue) AND state = 'active'
                ), sealed AS (
                    SELECT \(unescaped: Self.sealedTokenColumns) FROM folio.vault_secrets, settings
                    WHERE tenant_id = \(tenant.rawValue) AND purpose = \(unescaped: Self.tokenPurposeOfSettings)
                ), audited AS (
                    INSERT INTO folio.vault_audit (tenant_id, purpose, action, actor, kek_id)
                    SELECT \(tenant.rawValue), purpose, \(SecretVault.auditedReadAction), \(actor), kek_id FROM sealed
                )
                SELECT merchant_id, api_prefix, base_url, provider, \(unescaped: SecretVault.sealedColumns) FROM settings, sealed
                """,
                logger: logger
            )
            guard let row = try await rows.collect().first else { throw InvoicingError.notActive }
            return try shopCredentials(of: tenant, inLastColumnsOf: row)
        }
    }

    /// The token's purpose for the provider of the `settings` row a statement joins: each
    /// provider's token is sealed under its own name.
    static let tokenPurposeOfSettings = "settings.provider || '.api_token'"
    /// The sealed token's columns with its purpose, from `vault_secrets` joined with `settings`.
    static let sealedTokenColumns = "purpose, " + SecretVault.sealedColumns

    /// The vault purpose of a provider's API token.
    static func tokenPurpose(of provider: ProviderName) -> VaultPurpose {
        switch provider {
        case .invoicebox: tokenPurpose
        case .fakturownia: VaultPurpose(InvoicingSecret.fakturowniaAPIToken)!
        }
    }

    static let webhookSecretPurpose = VaultPurpose(InvoicingSecret.webhookSecret)!

    /// The provider in a row `shopCredentials(of:inLastColumnsOf:)` reads.
    static func providerName(inLastColumnsOf row: PostgresRow) throws -> ProviderName {
        let cells = PostgresRandomAccessRow(row)
        return try StoredValue.decode(ProviderName.self, try cells[cells.count - 6].decode(String.self), column: "tenant_invoicing.provider")
    }

    /// The shop in a row whose last nine columns are `merchant_id, api_prefix, base_url, provider`
    /// and the token's `SecretVault.sealedColumns`. The statement that read the row must have
    /// written the token read's audit row.
    func shopCredentials(of tenant: TenantID, inLastColumnsOf row: PostgresRow) throws -> ShopCredentials {
        guard let shop = try sealedShop(of: tenant, inLastColumnsOf: row) else { throw InvoicingError.notActive }
        return try openShop(shop)
    }

    /// The shop in a row laid out as for `shopCredentials(of:inLastColumnsOf:)`, its token still
    /// sealed; `nil` when the row holds no token.
    func sealedShop(of tenant: TenantID, inLastColumnsOf row: PostgresRow) throws -> SealedShop? {
        let cells = PostgresRandomAccessRow(row)
        let first = cells.count - 9
        let provider = try Self.providerName(inLastColumnsOf: row)
        guard let token = try SecretVault.sealedRecord(tenant: tenant, purpose: Self.tokenPurpose(of: provider), in: cells, from: first + 4) else {
            return nil
        }
        let baseURL = try cells[first + 2].decode(String?.self)
        return SealedShop(
            merchantID: try cells[first].decode(String.self), token: token, baseURL: baseURL.flatMap(URL.init(string:)) ?? providerBaseURL,
            apiVariant: try cells[first + 1].decode(String.self), tenant: tenant, provider: provider
        )
    }

    /// Opens the shop's token. Whoever read the shop without an audit row records the use with
    /// `recordTokenUse`.
    package func openShop(_ shop: SealedShop) throws -> ShopCredentials {
        ShopCredentials(
            merchantID: shop.merchantID, token: try vault.open(shop.token), baseURL: shop.baseURL, apiVariant: shop.apiVariant, tenant: shop.tenant,
            provider: shop.provider
        )
    }

    /// Records in the vault's audit trail that the token of a shop read without an audit row was used.
    package func recordTokenUse(of shop: SealedShop, actor: String) async throws {
        try await vault.recordRead(tenant: shop.tenant, purpose: shop.token.purpose, actor: actor, keyID: shop.token.keyID)
    }

    /// Asks the provider to invite the tenant's e-mail. Repeating it sends the invitation again,
    /// but not more often than `reinviteInterval`.
    package func invite(_ tenant: TenantID, email: String) async throws -> InvoicingState {
        guard let partner else { throw InvoicingError.partnerNotConfigured }
        let current = try await state(of: tenant)
        guard current.stage != .active else { throw InvoicingError.alreadyActive }
        if let invitedAt = current.invitedAt, Date().timeIntervalSince(invitedAt) < Double(reinviteInterval.components.seconds) {
            throw InvoicingError.inviteTooSoon(retryAfterSeconds: Int(Double(reinviteInterval.components.seconds) - Date().timeIntervalSince(invitedAt)) + 1)
        }
        let invitationID: String
        do {
            invitationID = try await provider.invite(email: email, partner: partner, tenant: tenant)
        } catch let error as PaymentError {
            throw Self.partnerError(error)
        }
        try await translatingDatabaseFailures(into: InvoicingError.databaseFailed) {
            try await client.query(
                """
                INSERT INTO folio.tenant_invoicing (tenant_id, state, invited_email, invitation_id, invited_at)
                VALUES (\(tenant.rawValue), 'invited', \(email), \(invitationID), now())
                ON CONFLICT (tenant_id) DO UPDATE SET state = 'invited', invited_email = excluded.invited_email,
                    invitation_id = excluded.invitation_id, invited_at = now(), updated_at = now()
                WHERE folio.tenant_invoicing.state <> 'active'
                """,
                logger: logger
            )
        }
        logger.info("invoicing invitation sent", metadata: ["tenant.id": "\(tenant)"])
        return try await state(of: tenant)
    }

    /// Turns the activation code the tenant received into its shop: the token is checked with the
    /// provider, then stored in the vault, and only then is the tenant active.
    package func activate(_ tenant: TenantID, code: String, actor: String) async throws -> InvoicingState {
        guard let partner else { throw InvoicingError.partnerNotConfigured }
        let current = try await state(of: tenant)
        guard current.stage != .active else { throw InvoicingError.alreadyActive }
        guard current.stage == .invited else { throw InvoicingError.notInvited }
        let attemptedAt = now()
        try await ActivationAttempts.book(tenant, limit: activationLimit, now: attemptedAt, client: client, logger: logger)
        let shop: ActivatedShop
        do {
            shop = try await provider.activate(code: code, partner: partner, tenant: tenant)
        } catch let error as PaymentError {
            switch error {
            case .rejected, .notFound, .duplicateOrderID:
                throw InvoicingError.activationCodeRejected(
                    providerCode: error.providerCode, requestID: error.requestID, afterUnknownOutcome: current.activationOutcomeUnknownAt != nil)
            case .outcomeUnknown:
                // The code may be spent on a shop whose token never arrived; asking again would
                // most likely be refused, so the tenant is told to connect that shop instead.
                // The try stays booked: the provider may well have judged the code.
                await recordUnknownActivationOutcome(of: tenant, error: error)
                throw InvoicingError.activationOutcomeUnknown(requestID: error.requestID)
            default:
                // The provider never judged the code (unreachable, rate limited, the tenant's
                // partner share spent): the try is given back, so an outage uses up no attempts.
                try? await ActivationAttempts.release(tenant, bookedAt: attemptedAt, client: client, logger: logger)
                throw Self.partnerError(error)
            }
        }
        // An activation code may work only once: the token is kept before anything else can
        // fail, and a check that cannot reach the provider now does not throw it away.
        let shopCredentials = ShopCredentials(merchantID: shop.merchantID, token: shop.token, baseURL: providerBaseURL, tenant: tenant)
        do {
            try await store(tenant, shop: shopCredentials, notificationKey: nil, actor: actor)
        } catch InvoicingError.merchantAlreadyConnected {
            // The code is spent and its shop belongs to another tenant here: only an operator can
            // sort out which tenant the hotel is, so the pair is named for them (never the token).
            logger.error(
                "an activated shop is already connected to another tenant; its token was not kept",
                metadata: ["tenant.id": "\(tenant)", "merchant.id": "\(shop.merchantID)"]
            )
            throw InvoicingError.merchantAlreadyConnected
        }
        do {
            if try await !provider.checkToken(of: shopCredentials) {
                _ = try await disable(tenant, actor: actor)
                throw InvoicingError.credentialsRejected
            }
        } catch let error as PaymentError {
            FailureReport.record(
                error, "activated shop's token could not be checked now; kept", operation: "invoicing.activate", tenant: tenant, logger: logger)
        }
        return try await state(of: tenant)
    }

    /// Marks an invited tenant's activation as unanswered, so that its state shows the way out. A
    /// failure to record it is logged, not thrown: the answer to the host says the same.
    private func recordUnknownActivationOutcome(of tenant: TenantID, error: PaymentError) async {
        FailureReport.record(
            error, "activation got no answer; the code may be spent", operation: "invoicing.activate", tenant: tenant, logger: logger)
        do {
            try await client.query(
                """
                UPDATE folio.tenant_invoicing SET activation_outcome_unknown_at = now(), updated_at = now()
                WHERE tenant_id = \(tenant.rawValue) AND state = 'invited'
                """,
                logger: logger
            )
        } catch {
            FailureReport.record(
                error, "the unknown outcome of an activation could not be recorded", operation: "invoicing.activate", tenant: tenant, level: .error,
                logger: logger)
        }
    }

    /// Refused credentials on a partner call mean the platform's partner credentials are wrong; a rate
    /// limit means the tenant used its share of the partner quota (or the quota is spent).
    static func partnerError(_ error: PaymentError) -> any Error {
        switch error {
        case .unauthorized(let diagnostics):
            return InvoicingError.partnerRejected(requestID: diagnostics.requestID)
        case .rateLimited(let seconds, _):
            return InvoicingError.tooManyAttempts(retryAfterSeconds: max(1, seconds ?? 30))
        default:
            return error
        }
    }

    /// Connects a shop the tenant already has. The token is verified, and its right to the
    /// merchant proven, before anything is stored: a tenant naming another tenant's merchant id
    /// with a token of its own would otherwise pass the auth check.
    package func connect(
        _ tenant: TenantID,
        merchantID: String,
        token: Secret,
        notificationKey: NotificationKey?,
        apiVariant: String?,
        actor: String
    ) async throws -> InvoicingState {
        let shop = ShopCredentials(merchantID: merchantID, token: token, baseURL: providerBaseURL, apiVariant: apiVariant, tenant: tenant)
        guard try await provider.checkToken(of: shop) else { throw InvoicingError.credentialsRejected }
        guard try await provider.ownsMerchant(shop) else { throw InvoicingError.merchantNotOwned }
        try await store(tenant, shop: shop, notificationKey: notificationKey, actor: actor)
        return try await state(of: tenant)
    }

    /// Puts the secrets in the vault and marks the tenant active with the shop's settings, in one
    /// transaction: concurrent connections and disables can never pair one call's token with
    /// another's merchant. Another merchant is refused while the current one has open invoices,
    /// whose payments only its token can confirm.
    ///
    /// A key replaced here (by a connection, not a rotation) gets no grace period: the previous
    /// key is destroyed with it.
    private func store(_ tenant: TenantID, shop: ShopCredentials, notificationKey: NotificationKey?, actor: String) async throws {
        // An account provider's webhooks the tenant leaves are removed once the shop is stored.
        let previous = try await subscriptions(of: tenant, actor: actor)
        do {
            try await client.inTransaction(logger: logger) { connection in
                try await Self.lockForConnection(of: tenant, to: shop, on: connection, logger: logger)
                try await vault.store(shop.token, tenant: tenant, purpose: Self.tokenPurpose, actor: actor, on: connection)
                if let notificationKey {
                    try await vault.store(notificationKey.secret, tenant: tenant, purpose: Self.notificationKeyPurpose, actor: actor, on: connection)
                } else {
                    _ = try await vault.delete(tenant: tenant, purpose: Self.notificationKeyPurpose, actor: actor, on: connection)
                }
                _ = try await vault.delete(tenant: tenant, purpose: Self.previousNotificationKeyPurpose, actor: actor, on: connection)
                for purpose in [Self.tokenPurpose(of: .fakturownia), Self.webhookSecretPurpose] {
                    _ = try await vault.delete(tenant: tenant, purpose: purpose, actor: actor, on: connection)
                }
                try await connection.query(
                    """
                    INSERT INTO folio.tenant_invoicing
                        (tenant_id, state, merchant_id, api_prefix, base_url, token_last_four, has_notification_key, notification_key_algorithm,
                         activated_at, provider)
                    VALUES (\(tenant.rawValue), 'active', \(shop.merchantID), \(shop.apiVariant ?? provider.defaultAPIVariant), \(shop.baseURL.absoluteString),
                            \(shop.token.lastFour), \(notificationKey != nil), \(notificationKey?.algorithm.rawValue), now(), 'invoicebox')
                    ON CONFLICT (tenant_id) DO UPDATE SET state = 'active', merchant_id = excluded.merchant_id, provider = excluded.provider,
                        webhook_ids = '{}', fast_login = false,
                        api_prefix = excluded.api_prefix, base_url = excluded.base_url, token_last_four = excluded.token_last_four,
                        has_notification_key = excluded.has_notification_key, notification_key_algorithm = excluded.notification_key_algorithm,
                        previous_notification_key_algorithm = NULL, previous_notification_key_valid_until = NULL,
                        activation_outcome_unknown_at = NULL, activated_at = now(), updated_at = now()
                    """,
                    logger: logger
                )
                try await Self.recordActivation(of: tenant, merchantID: shop.merchantID, on: connection, logger: logger)
            }
        } catch {
            throw Self.connectionFailure(error)
        }
        logger.info("invoicing activated", metadata: ["tenant.id": "\(tenant)", "merchant.id": "\(shop.merchantID)"])
        if let previous { await unsubscribe(previous, of: tenant) }
    }

    /// Keeps the tenant's active shop as `merchantID` until the caller's transaction ends, or
    /// throws `notActive` when it is no longer that shop. Invoice and refund creation hold it
    /// while they record what only this shop's token can settle; connecting another merchant or
    /// disabling takes the same row for update and counts what is open. KEY SHARE is the lightest
    /// lock that still conflicts with that FOR UPDATE, so creations never queue behind each other.
    static func holdShop(of tenant: TenantID, merchantID: String, on connection: PostgresConnection, logger: Logger) async throws {
        let settings = try await connection.query(
            "SELECT merchant_id FROM folio.tenant_invoicing WHERE tenant_id = \(tenant.rawValue) AND state = 'active' FOR KEY SHARE",
            logger: logger
        )
        let current = try await settings.decode(String.self).collect().first
        guard current == merchantID else { throw InvoicingError.notActive }
    }

    /// Locks the tenant's invoicing settings for connecting `shop`, refusing another shop or
    /// provider than the active one while invoices are open: only the active shop's token can
    /// settle them.
    /// With `refusingActive` (an account just opened for a tenant that had none), any active
    /// shop is refused: a concurrent enable got there first.
    static func lockForConnection(
        of tenant: TenantID, to shop: ShopCredentials, refusingActive: Bool = false, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let locked = try await lockInvoicing(of: tenant, on: connection, logger: logger)
        if refusingActive, locked.activeMerchantID != nil { throw InvoicingError.alreadyActive }
        if let current = locked.activeMerchantID, current.lowercased() != shop.merchantID.lowercased() || locked.activeProvider != shop.provider {
            let open = try await openInvoiceCount(of: tenant, on: connection, logger: logger)
            guard open == 0 else { throw InvoicingError.hasOpenInvoices(count: open) }
        }
    }

    /// The host's `invoicing.activated` event, in the connection's transaction.
    static func recordActivation(of tenant: TenantID, merchantID: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await EventLog.append(
            .invoicingActivated, tenant: tenant, invoiceID: nil, reservationID: nil,
            data: EventData(invoicingState: InvoicingState.Stage.active.rawValue, merchantID: merchantID), on: connection, logger: logger
        )
    }

    /// A failed connection in the API's terms: a merchant another tenant holds, or the database.
    static func connectionFailure(_ error: any Error) -> any Error {
        if DatabaseFailure(error)?.constraint == activeMerchantIndex { return InvoicingError.merchantAlreadyConnected }
        return DatabaseFailure.translated(error, into: InvoicingError.databaseFailed)
    }

    /// The unique index that keeps a merchant connected to one tenant at most.
    static let activeMerchantIndex = "tenant_invoicing_active_merchant"

    /// Serialises every change of one tenant's invoicing settings until the transaction ends:
    /// takes the tenant row's KEY SHARE lock first, as every unit of work in a tenant's schema
    /// does (so that a concurrent deletion of the tenant waits instead of deadlocking against the
    /// event's foreign key), then the tenant's invoicing lock, then the settings row itself, which
    /// invoice creation holds in share mode while it records an invoice.
    static func lockInvoicing(of tenant: TenantID, on connection: PostgresConnection, logger: Logger) async throws -> (
        activeMerchantID: String?, activeProvider: ProviderName?
    ) {
        let tenants = try await connection.query("SELECT 1 FROM folio.tenants WHERE id = \(tenant.rawValue) FOR KEY SHARE", logger: logger)
        guard try await tenants.count() > 0 else { throw RegistryError.tenantNotFound(tenant) }
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(\("folio.tenant_invoicing:" + tenant.description), 0))",
            logger: logger
        )
        let settings = try await connection.query(
            "SELECT merchant_id, provider, state = 'active' FROM folio.tenant_invoicing WHERE tenant_id = \(tenant.rawValue) FOR UPDATE",
            logger: logger
        )
        var activeMerchantID: String?
        var activeProvider: ProviderName?
        for try await (merchantID, provider, active) in settings.decode((String?, String, Bool).self) where active {
            activeMerchantID = merchantID
            activeProvider = ProviderName(rawValue: provider)
        }
        return (activeMerchantID, activeProvider)
    }

    /// Invoices the shop's token is still needed for: pending at the provider, open (a payment
    /// may still come) or held (to be captured or released), or with a refund the provider has
    /// not settled yet (it is still polled).
    ///
    /// Read after `lockInvoicing`: an invoice created meanwhile has committed by then, together with
    /// the schema its tenant's first write made, so both are seen here.
    static func openInvoiceCount(of tenant: TenantID, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let schemas = try await connection.query(
            "SELECT schema_name FROM folio.tenants WHERE id = \(tenant.rawValue) AND schema_version IS NOT NULL",
            logger: logger
        )
        // No schema yet: the tenant has never written, so it has no invoices.
        guard let schema = try await schemas.decode(String.self).collect().first else { return 0 }
        // Only paid invoices have refunds, so the two counts never share an invoice.
        let rows = try await connection.query(
            """
            SELECT (SELECT count(*) FROM \(unescaped: quotedIdentifier(schema)).invoices WHERE status IN ('pending', 'open', 'held', 'partially_paid'))
                 + (SELECT count(DISTINCT invoice_id) FROM \(unescaped: quotedIdentifier(schema)).refunds WHERE status IN ('pending', 'created'))
            """,
            logger: logger
        )
        return Int(try await rows.decode(Int64.self).collect().first ?? 0)
    }

    /// Disables invoicing and destroys the stored secrets, in one transaction; invoices stay
    /// readable. Refused while invoices are open: their payments could no longer be confirmed.
    /// Returns whether invoicing was enabled or invited.
    package func disable(_ tenant: TenantID, actor: String) async throws -> Bool {
        let subscriptions = try await subscriptions(of: tenant, actor: actor)
        let existed = try await disableInDatabase(tenant, actor: actor)
        if let subscriptions { await unsubscribe(subscriptions, of: tenant) }
        return existed
    }

    private func disableInDatabase(_ tenant: TenantID, actor: String) async throws -> Bool {
        try await translatingDatabaseFailures(into: InvoicingError.databaseFailed) {
            let existed = try await client.inTransaction(logger: logger) { connection in
                let locked = try await Self.lockInvoicing(of: tenant, on: connection, logger: logger)
                if locked.activeMerchantID != nil {
                    let open = try await Self.openInvoiceCount(of: tenant, on: connection, logger: logger)
                    guard open == 0 else { throw InvoicingError.hasOpenInvoices(count: open) }
                }
                _ = try await vault.deleteAll(tenant: tenant, actor: actor, on: connection)
                let rows = try await connection.query(
                    "DELETE FROM folio.tenant_invoicing WHERE tenant_id = \(tenant.rawValue) RETURNING state = 'active'",
                    logger: logger
                )
                var existed = false
                var wasActive = false
                for try await active in rows.decode(Bool.self) {
                    existed = true
                    wasActive = active
                }
                if wasActive {
                    try await EventLog.append(
                        .invoicingDisabled, tenant: tenant, invoiceID: nil, reservationID: nil,
                        data: EventData(invoicingState: InvoicingState.Stage.disabled.rawValue, merchantID: nil), on: connection, logger: logger
                    )
                }
                return existed
            }
            logger.info("invoicing disabled", metadata: ["tenant.id": "\(tenant)"])
            return existed
        }
    }
}
