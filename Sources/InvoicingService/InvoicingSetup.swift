import FolioDomain
import Foundation
import InvoiceboxAdapter
import Logging
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

    package init(client: PostgresClient, vault: SecretVault, provider: any PaymentProvider, partner: PartnerCredentials?, providerBaseURL: URL, logger: Logger, reinviteInterval: Duration = .seconds(60)) {
        self.client = client
        self.vault = vault
        self.provider = provider
        self.partner = partner
        self.providerBaseURL = providerBaseURL
        self.logger = logger
        self.reinviteInterval = reinviteInterval
    }

    static let tokenPurpose = VaultPurpose(InvoicingSecret.apiToken)!
    static let notificationKeyPurpose = VaultPurpose(InvoicingSecret.notificationKey)!

    package func state(of tenant: TenantID) async throws -> InvoicingState {
        let rows = try await client.query(
            """
            SELECT state, invited_email, invited_at, merchant_id, activated_at, token_last_four, has_notification_key
            FROM folio.tenant_invoicing WHERE tenant_id = \(tenant.rawValue)
            """,
            logger: logger
        )
        for try await (stage, email, invitedAt, merchantID, activatedAt, lastFour, hasKey) in rows.decode(
            (String, String?, Date?, String?, Date?, String?, Bool).self
        ) {
            return InvoicingState(
                stage: InvoicingState.Stage(rawValue: stage) ?? .disabled, invitedEmail: email, invitedAt: invitedAt,
                merchantID: merchantID, activatedAt: activatedAt, tokenLastFour: lastFour, hasNotificationKey: hasKey
            )
        }
        return .disabled
    }

    /// The active shop of a tenant, with its token from the vault.
    package func shop(of tenant: TenantID, actor: String) async throws -> ShopCredentials {
        let rows = try await client.query(
            """
            SELECT merchant_id, api_prefix, base_url FROM folio.tenant_invoicing
            WHERE tenant_id = \(tenant.rawValue) AND state = 'active'
            """,
            logger: logger
        )
        for try await (merchantID, prefix, baseURL) in rows.decode((String, String, String?).self) {
            guard let token = try await vault.read(tenant: tenant, purpose: Self.tokenPurpose, actor: actor) else { break }
            return ShopCredentials(
                merchantID: merchantID, token: token, baseURL: baseURL.flatMap(URL.init(string:)) ?? providerBaseURL,
                apiPrefix: ShopCredentials.APIPrefix(rawValue: prefix) ?? .v3
            )
        }
        throw InvoicingError.notActive
    }

    /// What checking a notification needs: the active shop's id and, when the tenant gave one,
    /// its notification key. `nil` when invoicing is not active.
    package func notificationSettings(of tenant: TenantID, actor: String) async throws -> (merchantID: String, key: Secret?)? {
        let rows = try await client.query(
            """
            SELECT merchant_id, has_notification_key FROM folio.tenant_invoicing
            WHERE tenant_id = \(tenant.rawValue) AND state = 'active'
            """,
            logger: logger
        )
        for try await (merchantID, hasKey) in rows.decode((String, Bool).self) {
            let key = hasKey ? try await vault.read(tenant: tenant, purpose: Self.notificationKeyPurpose, actor: actor) : nil
            return (merchantID, key)
        }
        return nil
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
            invitationID = try await provider.invite(email: email, partner: partner)
        } catch let error as InvoiceboxError {
            throw Self.partnerError(error)
        }
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
        let shop: ActivatedShop
        do {
            shop = try await provider.activate(code: code, partner: partner)
        } catch let error as InvoiceboxError {
            guard case .rejected(let status, _, _, _, _) = error, status != 401, status != 403 else { throw Self.partnerError(error) }
            throw InvoicingError.activationCodeRejected(providerCode: error.providerCode, requestID: error.requestID)
        }
        // An activation code may work only once: the token is kept before anything else can
        // fail, and a check that cannot reach the provider now does not throw it away.
        let shopCredentials = ShopCredentials(merchantID: shop.merchantID, token: shop.token, baseURL: providerBaseURL)
        try await store(tenant, shop: shopCredentials, notificationKey: nil, actor: actor)
        do {
            if try await !provider.checkToken(of: shopCredentials) {
                _ = try await disable(tenant, actor: actor)
                throw InvoicingError.credentialsRejected
            }
        } catch let error as InvoiceboxError {
            logger.warning(
                "activated shop's token could not be checked now; kept",
                metadata: ["tenant.id": "\(tenant)", "error": "\(error)"]
            )
        }
        return try await state(of: tenant)
    }

    /// 401 and 403 on a partner call mean the platform's partner credentials are wrong.
    static func partnerError(_ error: InvoiceboxError) -> any Error {
        if case .rejected(let status, _, _, _, let requestID) = error, status == 401 || status == 403 {
            return InvoicingError.partnerRejected(requestID: requestID)
        }
        return error
    }

    /// Connects a shop the tenant already has. The token is verified before it is stored.
    package func connect(
        _ tenant: TenantID,
        merchantID: String,
        token: Secret,
        notificationKey: Secret?,
        apiPrefix: ShopCredentials.APIPrefix,
        actor: String
    ) async throws -> InvoicingState {
        let shop = ShopCredentials(merchantID: merchantID, token: token, baseURL: providerBaseURL, apiPrefix: apiPrefix)
        guard try await provider.checkToken(of: shop) else { throw InvoicingError.credentialsRejected }
        try await store(tenant, shop: shop, notificationKey: notificationKey, actor: actor)
        return try await state(of: tenant)
    }

    /// Puts the secrets in the vault, then marks the tenant active with the shop's settings.
    private func store(_ tenant: TenantID, shop: ShopCredentials, notificationKey: Secret?, actor: String) async throws {
        try await vault.store(shop.token, tenant: tenant, purpose: Self.tokenPurpose, actor: actor)
        if let notificationKey {
            try await vault.store(notificationKey, tenant: tenant, purpose: Self.notificationKeyPurpose, actor: actor)
        } else {
            _ = try await vault.delete(tenant: tenant, purpose: Self.notificationKeyPurpose, actor: actor)
        }
        try await client.inTransaction(logger: logger) { connection in
            try await Self.lockTenant(tenant, on: connection, logger: logger)
            try await connection.query(
                """
                INSERT INTO folio.tenant_invoicing
                    (tenant_id, state, merchant_id, api_prefix, base_url, token_last_four, has_notification_key, activated_at)
                VALUES (\(tenant.rawValue), 'active', \(shop.merchantID), \(shop.apiPrefix.rawValue), \(shop.baseURL.absoluteString),
                        \(shop.token.lastFour), \(notificationKey != nil), now())
                ON CONFLICT (tenant_id) DO UPDATE SET state = 'active', merchant_id = excluded.merchant_id,
                    api_prefix = excluded.api_prefix, base_url = excluded.base_url, token_last_four = excluded.token_last_four,
                    has_notification_key = excluded.has_notification_key, activated_at = now(), updated_at = now()
                """,
                logger: logger
            )
            try await EventLog.append(
                .invoicingActivated, tenant: tenant, invoiceID: nil, reservationID: nil,
                data: EventData(invoicingState: InvoicingState.Stage.active.rawValue, merchantID: shop.merchantID), on: connection, logger: logger
            )
        }
        logger.info("invoicing activated", metadata: ["tenant.id": "\(tenant)", "merchant.id": "\(shop.merchantID)"])
    }

    /// Takes the tenant row's KEY SHARE lock first, as every unit of work in a tenant's schema
    /// does, so that a concurrent deletion of the tenant waits instead of deadlocking against the
    /// event's foreign key.
    private static func lockTenant(_ tenant: TenantID, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("SELECT 1 FROM folio.tenants WHERE id = \(tenant.rawValue) FOR KEY SHARE", logger: logger)
        for try await _ in rows { return }
        throw RegistryError.tenantNotFound(tenant)
    }

    /// Disables invoicing and destroys the stored secrets; invoices stay readable.
    /// Returns whether invoicing was enabled or invited.
    package func disable(_ tenant: TenantID, actor: String) async throws -> Bool {
        _ = try await vault.deleteAll(tenant: tenant, actor: actor)
        let existed = try await client.inTransaction(logger: logger) { connection in
            try await Self.lockTenant(tenant, on: connection, logger: logger)
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
