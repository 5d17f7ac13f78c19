import FolioDomain
import Foundation
import PaymentsPort
import TokenVault

/// A tenant's active shop as read from the registry, its token still sealed: what a caller reads
/// ahead of knowing whether it will call the provider at all. `InvoicingSetup.openShop` makes it
/// the `ShopCredentials` a call needs.
package struct SealedShop: Sendable {
    package var merchantID: String
    package var token: SealedRecord
    package var baseURL: URL
    package var apiVariant: String
    package var tenant: TenantID
    package var provider: ProviderName

    /// The token's record as an audit row of its use names it: the tenant, the purpose and the KEK.
    package var tokenRecord: String { "\(tenant) \(token.purpose) \(token.keyID)" }
}
