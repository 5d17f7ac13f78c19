import Foundation

/// A user of the host platform (a hotel, a rental host) registered with Folio.
package struct Tenant: Hashable, Sendable {
    package let id: TenantID
    /// The host platform's own id for this user; unique among tenants.
    package let externalID: String
    package let displayName: String?
    package let createdAt: Date

    package init(id: TenantID, externalID: String, displayName: String?, createdAt: Date) {
        self.id = id
        self.externalID = externalID
        self.displayName = displayName
        self.createdAt = createdAt
    }
}
