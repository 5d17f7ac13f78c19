import FolioDomain
import Foundation
import Logging
import PaymentsPort

/// Opening and connecting Fakturownia accounts for tenants (fakturownia-api.md §3) and
/// subscribing Folio to each account's invoice changes (§9, §13).
package struct FakturowniaOnboarding: AccountOnboarding {
    let gateway: FakturowniaGateway
    /// The platform's own account, on which accounts are opened; `nil` when the platform has none.
    let partner: FakturowniaAccountAccess?
    /// The vendor's partner code, without which an opened account comes back without its token.
    let integrationToken: Secret?
    /// Whether opened accounts let the platform's users in without a password.
    let fastLogin: Bool
    /// An account's address with `{prefix}` in place of its prefix: the brand's domain
    /// (fakturownia.pl, invoiceocean.com, vosfactures.fr) or a simulator.
    let accountURLTemplate: String

    package static let defaultAccountURLTemplate = "https://{prefix}.fakturownia.pl"

    package init(
        gateway: FakturowniaGateway, partner: FakturowniaAccountAccess?, integrationToken: Secret?, fastLogin: Bool = true,
        accountURLTemplate: String = defaultAccountURLTemplate
    ) {
        self.accountURLTemplate = accountURLTemplate
        self.gateway = gateway
        self.partner = partner
        self.integrationToken = integrationToken
        self.fastLogin = fastLogin
    }

    package var provider: ProviderName { .fakturownia }
    package var opensAccounts: Bool { partner != nil }

    package func accountURL(named name: String) -> URL? {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else { return nil }
        return URL(string: accountURLTemplate.replacingOccurrences(of: "{prefix}", with: name))
    }

    /// The event kinds Folio follows: a document made in Fakturownia, any change (a payment shows
    /// as one), and a deletion.
    static let kinds = FakturowniaWebhookKind.allCases

    package func openAccount(_ request: NewProviderAccount) async throws -> ProviderAccount {
        guard let partner else { throw PaymentError.invalidRequest(reason: "the platform has no Fakturownia partner account") }
        let company = request.company.map {
            FakturowniaNewAccount.Company(name: $0.name, taxNumber: $0.taxNumber, postCode: $0.postalCode, city: $0.city, street: $0.street)
        }
        let account = FakturowniaNewAccount(
            prefix: request.name, lang: request.language, integrationFastLogin: fastLogin,
            user: .init(email: request.email, password: request.password), company: company)
        do {
            let opened = try await gateway.createAccount(account, integrationToken: integrationToken, on: partner)
            // The address is built from the granted prefix on the configured brand, never taken
            // from the answer: every later call carries the token to it.
            guard let url = accountURL(named: opened.prefix) else {
                throw PaymentError.rejected(fields: [], ProviderDiagnostics(cause: "invalid_prefix", operation: "create account"))
            }
            return ProviderAccount(name: opened.prefix, url: url, token: opened.access.apiToken, fastLogin: fastLogin)
        } catch let error as FakturowniaGatewayError {
            throw error.paymentError(afterWrite: true)
        }
    }

    package func account(of shop: ShopCredentials) async throws -> ProviderAccount {
        do {
            let info = try await gateway.account(Self.access(shop))
            return ProviderAccount(name: info.prefix, url: shop.baseURL)
        } catch {
            throw error.paymentError()
        }
    }

    package func subscribe(_ url: URL, secret: Secret, shop: ShopCredentials) async throws -> [Int64] {
        let access = Self.access(shop)
        do {
            let stale = try await gateway.webhooks(in: access).filter { $0.url.hasPrefix(url.absoluteString) }
            for webhook in stale { try await gateway.deleteWebhook(id: webhook.id, in: access) }
            var ids: [Int64] = []
            for kind in Self.kinds {
                let target = url.appendingPathComponent(kind.rawValue)
                ids += try await gateway.registerWebhooks(url: target.absoluteString, secret: secret, kinds: [kind], in: access).map(\.id)
            }
            return ids
        } catch {
            throw error.paymentError(afterWrite: true)
        }
    }

    package func unsubscribe(_ ids: [Int64], shop: ShopCredentials) async throws {
        let access = Self.access(shop)
        for id in ids {
            do {
                try await gateway.deleteWebhook(id: id, in: access)
            } catch {
                if case .notFound = error { continue }
                throw error.paymentError(afterWrite: true)
            }
        }
    }

    package func accountChange(from body: Data) -> AccountChange? {
        guard let delivery = try? FakturowniaWebhookDelivery(body: body) else { return nil }
        return AccountChange(documentID: String(delivery.invoiceID), secret: delivery.secret)
    }

    static func access(_ shop: ShopCredentials) -> FakturowniaAccountAccess {
        FakturowniaAccountAccess(baseURL: shop.baseURL, apiToken: shop.token)
    }
}
