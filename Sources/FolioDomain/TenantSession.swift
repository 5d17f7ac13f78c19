import Foundation

/// A part of Folio's web components that a browser session may drive.
package enum SessionComponent: String, CaseIterable, Codable, Hashable, Sendable {
    case enableInvoicing = "enable-invoicing"
    case invoiceList = "invoice-list"
    case invoice
}

/// What a verified session token grants: one tenant, some components, until it expires.
package struct TenantSession: Hashable, Sendable {
    package let id: UUID
    package let tenant: TenantID
    package let components: Set<SessionComponent>
    package let expiresAt: Date

    package init(id: UUID, tenant: TenantID, components: Set<SessionComponent>, expiresAt: Date) {
        self.id = id
        self.tenant = tenant
        self.components = components
        self.expiresAt = expiresAt
    }
}
