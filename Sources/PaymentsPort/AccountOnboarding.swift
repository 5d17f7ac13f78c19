import Crypto
import FolioDomain
import Foundation

/// A provider where Folio opens or connects the tenant's own account and subscribes to its
/// changes itself (Fakturownia), rather than a shop the provider invites and Folio activates.
package protocol AccountOnboarding: Sendable {
    var provider: ProviderName { get }
    /// The address of the account called `name` (Fakturownia's prefix), on the configured brand.
    func accountURL(named name: String) -> URL?
    /// Whether the platform has a partner account that opens accounts.
    var opensAccounts: Bool { get }
    /// Opens an account for the tenant on the platform's partner account; the provider may
    /// answer another address than the one asked for, and that one is kept.
    func openAccount(_ request: NewProviderAccount) async throws -> ProviderAccount
    /// The account the shop's token opens: a refused token is `PaymentError.unauthorized`.
    func account(of shop: ShopCredentials) async throws -> ProviderAccount
    /// Subscribes `url` (one per event kind, the kind appended as a last path segment) to the
    /// account's invoice changes, each delivery carrying `secret`; first removes what an earlier
    /// attempt subscribed under `url`, so that enabling twice never doubles the deliveries.
    /// Returns the subscriptions' ids.
    func subscribe(_ url: URL, secret: Secret, shop: ShopCredentials) async throws -> [Int64]
    /// Removes the subscriptions; ones already gone count as removed.
    func unsubscribe(_ ids: [Int64], shop: ShopCredentials) async throws
    /// What a delivery to a subscription claims; `nil` when the body is not one.
    func accountChange(from body: Data) -> AccountChange?
}

/// A subscription's delivery: which document changed, and the secret it carries. Only a hint: the
/// document is read again before anything changes.
package struct AccountChange: Sendable {
    /// The provider's id of the document (an order id in the port's terms).
    package var documentID: String
    package var secret: Secret

    package init(documentID: String, secret: Secret) {
        self.documentID = documentID
        self.secret = secret
    }

    /// Whether the delivery carries `expected`, compared in constant time: both are hashed, so
    /// neither their contents nor their lengths show in the time taken.
    package func carries(_ expected: Secret) -> Bool {
        Self.constantTimeEqual(secret, expected)
    }

    /// Whether `received` is `expected` (never an empty one), in time that does not depend on either.
    package static func constantTimeEqual(_ received: Secret, _ expected: Secret) -> Bool {
        let left = Array(SHA256.hash(data: Data(received.revealed.utf8)))
        let right = Array(SHA256.hash(data: Data(expected.revealed.utf8)))
        var difference: UInt8 = 0
        for index in 0..<left.count { difference |= left[index] ^ right[index] }
        return difference == 0 && !expected.revealed.isEmpty
    }
}

/// What the host passes to open a tenant's account with the provider.
package struct NewProviderAccount: Sendable {
    /// The address asked for (Fakturownia's prefix).
    package var name: String
    package var email: String
    /// A password the tenant never sees: the account is used through the platform (and, with
    /// fast login, entered from it).
    package var password: Secret
    package var language: String
    package var company: Company?

    package struct Company: Sendable {
        package var name: String
        package var taxNumber: String?
        package var street: String?
        package var postalCode: String?
        package var city: String?

        package init(name: String, taxNumber: String? = nil, street: String? = nil, postalCode: String? = nil, city: String? = nil) {
            self.name = name
            self.taxNumber = taxNumber
            self.street = street
            self.postalCode = postalCode
            self.city = city
        }
    }

    package init(name: String, email: String, password: Secret, language: String, company: Company?) {
        self.name = name
        self.email = email
        self.password = password
        self.language = language
        self.company = company
    }
}

/// An account at the provider: its address and, when Folio opened it, its token.
package struct ProviderAccount: Sendable {
    /// The account's own name at the provider (Fakturownia's prefix): the shop's merchant id.
    package var name: String
    package var url: URL
    /// Only from `openAccount`.
    package var token: Secret?
    /// Whether the platform's users enter the account without a password.
    package var fastLogin: Bool

    package init(name: String, url: URL, token: Secret? = nil, fastLogin: Bool = false) {
        self.name = name
        self.url = url
        self.token = token
        self.fastLogin = fastLogin
    }
}
