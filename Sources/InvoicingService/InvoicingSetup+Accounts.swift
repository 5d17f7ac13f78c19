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
        guard onboarding.opensAccounts else { throw InvoicingError.providerNotConfigured(opening.provider) }
        let current = try await state(of: tenant)
        if current.stage == .active {
            // Enabling again an account whose webhooks could not be registered registers them.
            guard current.provider == opening.provider, current.webhookCount == 0 else { throw InvoicingError.alreadyActive }
            return try await resubscribe(tenant, onboarding: onboarding, actor: actor)
        }
        let request = NewProviderAccount(
            name: opening.name, email: opening.email, password: Self.generatedSecret(), language: opening.language, company: opening.company)
        let account: ProviderAccount
        do {
            account = try await onboarding.openAccount(request)
        } catch PaymentError.unauthorized {
            // The partner account's token or integration code was refused: an operator's setting.
            throw InvoicingError.providerNotConfigured(opening.provider)
        } catch let error as PaymentError {
            throw Self.partnerError(error)
        }
        guard let token = account.token else { throw InvoicingError.providerNotConfigured(opening.provider) }
        let shop = ShopCredentials(merchantID: account.name, token: token, baseURL: account.url, apiVariant: "v1", tenant: tenant, provider: opening.provider)
        return try await subscribeAndStore(tenant, shop: shop, fastLogin: account.fastLogin, onboarding: onboarding, opening: true, actor: actor)
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
        // The token must belong to the account at the address typed (the reference checks the
        // prefix a token answers against the subdomain it was sent to).
        guard account.name.lowercased() == accountName.lowercased() else { throw InvoicingError.credentialsRejected }
        var shop = probe
        shop.merchantID = account.name
        return try await subscribeAndStore(tenant, shop: shop, fastLogin: false, onboarding: onboarding, opening: false, actor: actor)
    }

    /// Where the provider delivers a tenant's account changes; the event kind follows as the last segment.
    package func webhookURL(of tenant: TenantID, provider: ProviderName) -> URL? {
        publicBaseURL?.appendingPathComponent("v1/providers/\(provider.rawValue)/webhooks/\(tenant.description)")
    }

    /// Stores the account, then subscribes to it. The account is committed first, with its token
    /// and a new secret, so that an account the provider opened is never lost to a failure after
    /// it; the webhooks follow. If they cannot be registered now the tenant is active with none
    /// (`webhooks: 0`), the account reconciliation still reads its changes, and enabling again
    /// registers them. The webhooks of an account the tenant leaves are removed.
    private func subscribeAndStore(
        _ tenant: TenantID, shop: ShopCredentials, fastLogin: Bool, onboarding: any AccountOnboarding, opening: Bool, actor: String
    ) async throws -> InvoicingState {
        guard let url = webhookURL(of: tenant, provider: shop.provider) else { throw InvoicingError.providerNotConfigured(shop.provider) }
        let previous = try await subscriptions(of: tenant, actor: actor)
        let secret = Self.generatedSecret()
        do {
            try await client.inTransaction(logger: logger) { connection in
                try await Self.lockForConnection(of: tenant, to: shop, refusingActive: opening, on: connection, logger: logger)
                _ = try await vault.deleteAll(tenant: tenant, actor: actor, on: connection)
                try await vault.store(shop.token, tenant: tenant, purpose: Self.tokenPurpose(of: shop.provider), actor: actor, on: connection)
                try await vault.store(secret, tenant: tenant, purpose: Self.webhookSecretPurpose, actor: actor, on: connection)
                try await connection.query(
                    """
                    INSERT INTO folio.tenant_invoicing
                        (tenant_id, state, merchant_id, api_prefix, base_url, token_last_four, has_notification_key, activated_at, provider, fast_login)
                    VALUES (\(tenant.rawValue), 'active', \(shop.merchantID), \(shop.apiVariant ?? "v1"), \(shop.baseURL.absoluteString),
                            \(shop.token.lastFour), false, now(), \(shop.provider.rawValue), \(fastLogin))
                    ON CONFLICT (tenant_id) DO UPDATE SET state = 'active', merchant_id = excluded.merchant_id, provider = excluded.provider,
                        api_prefix = excluded.api_prefix, base_url = excluded.base_url, token_last_four = excluded.token_last_four,
                        has_notification_key = false, notification_key_algorithm = NULL, previous_notification_key_algorithm = NULL,
                        previous_notification_key_valid_until = NULL, activation_outcome_unknown_at = NULL, webhook_ids = '{}',
                        fast_login = excluded.fast_login, account_synced_through = NULL, account_sync_due_at = NULL,
                        activated_at = now(), updated_at = now()
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
        if let previous, previous.shop.baseURL != shop.baseURL || previous.shop.provider != shop.provider {
            await unsubscribe(previous, of: tenant)
        }
        await subscribe(tenant, shop: shop, url: url, secret: secret, onboarding: onboarding)
        return try await state(of: tenant)
    }

    /// Registers the account's webhooks with the stored `secret` and records their ids, if the
    /// tenant is still on that account with that secret; otherwise the webhooks just registered
    /// are removed again. A failure is logged: the tenant stays active with the webhooks it has.
    private func subscribe(_ tenant: TenantID, shop: ShopCredentials, url: URL, secret: Secret, onboarding: any AccountOnboarding) async {
        do {
            let ids = try await onboarding.subscribe(url, secret: secret, shop: shop)
            let stored = try await webhookSecret(of: tenant)
            let recorded = try await client.query(
                """
                UPDATE folio.tenant_invoicing SET webhook_ids = \(ids), updated_at = now()
                WHERE tenant_id = \(tenant.rawValue) AND state = 'active' AND provider = \(shop.provider.rawValue)
                    AND lower(merchant_id) = lower(\(shop.merchantID)) AND \(stored.map { AccountChange.constantTimeEqual($0.secret, secret) } ?? false)
                RETURNING 1
                """,
                logger: logger
            ).collect()
            if recorded.isEmpty {
                // Another connection replaced this one meanwhile: these webhooks carry a secret no longer kept.
                try await onboarding.unsubscribe(ids, shop: shop)
            }
        } catch {
            FailureReport.record(
                error, "account webhooks not registered; the account reconciliation reads its changes until invoicing is enabled again",
                operation: "invoicing.subscribe", tenant: tenant, logger: logger)
        }
    }

    /// Registers the webhooks of an active account that has none (their registration failed
    /// when it was enabled), with its stored token and secret.
    private func resubscribe(_ tenant: TenantID, onboarding: any AccountOnboarding, actor: String) async throws -> InvoicingState {
        let shop = try await shop(of: tenant, actor: actor)
        guard let url = webhookURL(of: tenant, provider: shop.provider), let (secret, _) = try await webhookSecret(of: tenant) else {
            throw InvoicingError.providerNotConfigured(shop.provider)
        }
        await subscribe(tenant, shop: shop, url: url, secret: secret, onboarding: onboarding)
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

    /// The secret the tenant's account webhooks carry, for a delivery's check, with the key that
    /// sealed it. Read without an audit row: anyone may post to the webhook route, so the use is
    /// recorded (`recordWebhookSecretUse`) only once a delivery carried the secret.
    package func webhookSecret(of tenant: TenantID) async throws -> (secret: Secret, keyID: String)? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: SecretVault.sealedColumns) FROM folio.vault_secrets
            WHERE tenant_id = \(tenant.rawValue) AND purpose = \(Self.webhookSecretPurpose.rawValue)
            """,
            logger: logger
        )
        guard let row = try await rows.collect().first,
            let record = try SecretVault.sealedRecord(tenant: tenant, purpose: Self.webhookSecretPurpose, in: PostgresRandomAccessRow(row), from: 0)
        else { return nil }
        return (try vault.open(record), record.keyID)
    }

    /// Records in the vault's audit trail that a delivery carried the webhook secret.
    package func recordWebhookSecretUse(of tenant: TenantID, keyID: String, actor: String) async throws {
        try await vault.recordRead(tenant: tenant, purpose: Self.webhookSecretPurpose, actor: actor, keyID: keyID)
    }

    private func onboarding(for provider: ProviderName) throws -> any AccountOnboarding {
        guard let onboarding = onboarding[provider] else { throw InvoicingError.providerNotConfigured(provider) }
        return onboarding
    }

    /// 32 random bytes, URL-safe: a password nobody types, or a webhook secret.
    static func generatedSecret() -> Secret {
        Secret(Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64URLEncodedString())
    }
}
