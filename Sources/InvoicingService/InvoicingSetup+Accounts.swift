import Crypto
import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import TenantRegistry
import TokenVault

/// "Enable invoicing" with a provider whose account belongs to the tenant and whose changes
/// Folio subscribes to (Fakturownia, fakturownia-api.md §3, §9, §13): the platform opens the
/// account, or the tenant connects one it has; either way Folio registers its webhooks with a
/// secret of its own and keeps token and secret in the vault.
extension InvoicingSetup {
    /// What the host sends to open a tenant's account.
    package struct AccountOpening: Sendable {
        package var provider: ProviderName
        /// The address asked for; the provider may grant another one.
        package var name: String
        package var email: String
        package var language: String
        package var company: NewProviderAccount.Company?

        package init(provider: ProviderName, name: String, email: String, language: String, company: NewProviderAccount.Company?) {
            self.provider = provider
            self.name = name
            self.email = email
            self.language = language
            self.company = company
        }
    }

    /// Opens the tenant's account on the platform's partner account, with a generated password
    /// nobody is shown, then subscribes to it and stores it.
    package func openAccount(_ tenant: TenantID, _ opening: AccountOpening, actor: String) async throws -> InvoicingState {
        let onboarding = try onboarding(for: opening.provider)
        try await refuseIfActive(tenant)
        let request = NewProviderAccount(
            name: opening.name, email: opening.email, password: Self.generatedSecret(), language: opening.language, company: opening.company)
        let account: ProviderAccount
        do {
            account = try await onboarding.openAccount(request)
        } catch let error as PaymentError {
            throw Self.partnerError(error)
        }
        guard let token = account.token else { throw InvoicingError.credentialsRejected }
        let shop = ShopCredentials(merchantID: account.name, token: token, baseURL: account.url, apiVariant: "v1", tenant: tenant, provider: opening.provider)
        return try await subscribeAndStore(tenant, shop: shop, fastLogin: account.fastLogin, onboarding: onboarding, actor: actor)
    }

    /// Connects an account the tenant already has, by its address and a token it created there;
    /// the token is checked by reading the account before anything is stored.
    package func connectAccount(_ tenant: TenantID, provider: ProviderName, accountName: String, token: Secret, actor: String) async throws -> InvoicingState {
        let onboarding = try onboarding(for: provider)
        guard let accountURL = onboarding.accountURL(named: accountName) else { throw InvoicingError.credentialsRejected }
        let probe = ShopCredentials(merchantID: "", token: token, baseURL: accountURL, apiVariant: "v1", tenant: tenant, provider: provider)
        let account: ProviderAccount
        do {
            account = try await onboarding.account(of: probe)
        } catch PaymentError.unauthorized, PaymentError.notFound {
            throw InvoicingError.credentialsRejected
        }
        var shop = probe
        shop.merchantID = account.name
        return try await subscribeAndStore(tenant, shop: shop, fastLogin: false, onboarding: onboarding, actor: actor)
    }

    /// Where the provider delivers a tenant's account changes; the event kind follows as the last segment.
    package func webhookURL(of tenant: TenantID, provider: ProviderName) -> URL? {
        publicBaseURL?.appendingPathComponent("v1/providers/\(provider.rawValue)/webhooks/\(tenant.description)")
    }

    private func subscribeAndStore(
        _ tenant: TenantID, shop: ShopCredentials, fastLogin: Bool, onboarding: any AccountOnboarding, actor: String
    ) async throws -> InvoicingState {
        guard let url = webhookURL(of: tenant, provider: shop.provider) else { throw InvoicingError.providerNotConfigured(shop.provider) }
        let secret = Self.generatedSecret()
        // Subscribed before the commit: an account whose subscription failed is not stored as
        // active, and one stored is sure to be followed. A commit that fails after it leaves
        // subscriptions whose secret Folio never kept: their deliveries are refused, and enabling
        // again replaces them.
        let webhookIDs = try await onboarding.subscribe(url, secret: secret, shop: shop)
        do {
            try await client.inTransaction(logger: logger) { connection in
                try await Self.lockForConnection(of: tenant, to: shop, on: connection, logger: logger)
                _ = try await vault.deleteAll(tenant: tenant, actor: actor, on: connection)
                try await vault.store(shop.token, tenant: tenant, purpose: Self.tokenPurpose(of: shop.provider), actor: actor, on: connection)
                try await vault.store(secret, tenant: tenant, purpose: Self.webhookSecretPurpose, actor: actor, on: connection)
                try await connection.query(
                    """
                    INSERT INTO folio.tenant_invoicing
                        (tenant_id, state, merchant_id, api_prefix, base_url, token_last_four, has_notification_key, activated_at, provider, webhook_ids, fast_login)
                    VALUES (\(tenant.rawValue), 'active', \(shop.merchantID), \(shop.apiVariant ?? "v1"), \(shop.baseURL.absoluteString),
                            \(shop.token.lastFour), false, now(), \(shop.provider.rawValue), \(webhookIDs), \(fastLogin))
                    ON CONFLICT (tenant_id) DO UPDATE SET state = 'active', merchant_id = excluded.merchant_id, provider = excluded.provider,
                        api_prefix = excluded.api_prefix, base_url = excluded.base_url, token_last_four = excluded.token_last_four,
                        has_notification_key = false, notification_key_algorithm = NULL, previous_notification_key_algorithm = NULL,
                        previous_notification_key_valid_until = NULL, activation_outcome_unknown_at = NULL, webhook_ids = excluded.webhook_ids,
                        fast_login = excluded.fast_login, activated_at = now(), updated_at = now()
                    """,
                    logger: logger
                )
                try await Self.recordActivation(of: tenant, merchantID: shop.merchantID, on: connection, logger: logger)
            }
        } catch {
            throw Self.connectionFailure(error)
        }
        logger.info(
            "invoicing activated", metadata: ["tenant.id": "\(tenant)", "merchant.id": "\(shop.merchantID)", "provider": "\(shop.provider.rawValue)"])
        return try await state(of: tenant)
    }

    /// The account subscriptions a disable must remove afterwards, with the token that removes
    /// them: read before the disable destroys the token. `nil` for a tenant without any.
    func subscriptions(of tenant: TenantID, actor: String) async throws -> (ids: [Int64], shop: ShopCredentials)? {
        let current = try await state(of: tenant)
        guard current.stage == .active, current.webhookCount > 0, onboarding[current.provider] != nil else { return nil }
        let ids = try await translatingDatabaseFailures(into: InvoicingError.databaseFailed) {
            let rows = try await client.query(
                "SELECT webhook_ids FROM folio.tenant_invoicing WHERE tenant_id = \(tenant.rawValue)",
                logger: logger
            )
            return try await rows.decode([Int64].self).collect().first ?? []
        }
        return (ids, try await shop(of: tenant, actor: actor))
    }

    /// Removes the webhooks of a disabled tenant's account, so that it stops calling Folio. A
    /// provider that cannot be reached is logged, not thrown: the secret went with the disable,
    /// so any later delivery is refused.
    func unsubscribe(_ subscriptions: (ids: [Int64], shop: ShopCredentials), of tenant: TenantID) async {
        guard let onboarding = onboarding[subscriptions.shop.provider] else { return }
        do {
            try await onboarding.unsubscribe(subscriptions.ids, shop: subscriptions.shop)
        } catch {
            FailureReport.record(
                error, "webhooks could not be removed; their deliveries will be refused", operation: "invoicing.disable", tenant: tenant, logger: logger)
        }
    }

    /// The secret the tenant's account webhooks carry, read (and audited) for a delivery's check.
    package func webhookSecret(of tenant: TenantID) async throws -> Secret? {
        try await vault.read(tenant: tenant, purpose: Self.webhookSecretPurpose, actor: "webhooks")
    }

    private func onboarding(for provider: ProviderName) throws -> any AccountOnboarding {
        guard let onboarding = onboarding[provider] else { throw InvoicingError.providerNotConfigured(provider) }
        return onboarding
    }

    private func refuseIfActive(_ tenant: TenantID) async throws {
        let current = try await state(of: tenant)
        if current.stage == .active { throw InvoicingError.alreadyActive }
    }

    /// 32 random bytes, URL-safe: a password nobody types, or a webhook secret.
    static func generatedSecret() -> Secret {
        Secret(Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64URLEncodedString())
    }
}
