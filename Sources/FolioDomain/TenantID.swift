import Foundation

/// The identity of a tenant: a UUID, from which the name of the tenant's schema is derived.
package struct TenantID: Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UUID

    package init(_ rawValue: UUID) {
        self.rawValue = rawValue
    }

    /// Parses the canonical textual form; anything else (including user input that merely looks
    /// like an identifier) is refused so that it never reaches SQL or a schema name.
    package init?(string: String) {
        guard string.utf8.count == 36, let uuid = UUID(uuidString: string) else { return nil }
        self.rawValue = uuid
    }

    /// A fresh random identity.
    package static func random() -> TenantID {
        TenantID(UUID())
    }

    /// The tenant's schema: `t_` followed by the 32 lowercase hex digits of the UUID.
    ///
    /// Built only from the UUID's bytes, so it is always a valid, unquoted-safe identifier; callers
    /// still quote it when they put it into SQL.
    package var schemaName: String {
        "t_" + rawValue.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    package var description: String {
        rawValue.uuidString.lowercased()
    }
}
