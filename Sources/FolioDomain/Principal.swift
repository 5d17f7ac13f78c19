import Foundation

/// Who is calling, as established by an API key or a session token.
package enum Principal: Hashable, Sendable {
    /// The host platform's backend: reaches every tenant.
    case platform(keyID: UUID?)
    /// A key issued to one tenant: reaches that tenant only.
    case tenant(TenantID, keyID: UUID)
    /// A browser holding a session token: reaches its tenant, and only through the operations of
    /// its components.
    case session(TenantSession)

    /// Whether this caller may see anything of `tenant`.
    package func canReach(_ tenant: TenantID) -> Bool {
        switch self {
        case .platform: true
        case .tenant(let own, _): own == tenant
        case .session(let session): session.tenant == tenant
        }
    }

    package var isPlatform: Bool {
        if case .platform = self { return true }
        return false
    }
}
