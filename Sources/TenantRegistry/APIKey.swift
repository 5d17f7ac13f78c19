import Crypto
import FolioDomain
import Foundation

/// A bearer key as handed to a caller. It exists in clear only between issuing and printing;
/// the database keeps its SHA-256 hash.
package struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Marks Folio keys so that secret scanners and people recognise them.
    package static let prefix = "folio_"

    /// The key itself. Deliberately not part of `description`.
    package let secret: String

    package init(secret: String) {
        self.secret = secret
    }

    /// 256 random bits from the system's cryptographic generator, base64url-encoded.
    package static func generate() -> APIKey {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return APIKey(secret: prefix + bytes.base64URLEncodedString())
    }

    /// The value stored and looked up; a key's entropy makes a slow password hash unnecessary.
    package var hash: Data {
        Self.hash(of: secret)
    }

    package static func hash(of presented: String) -> Data {
        Data(SHA256.hash(data: Data(presented.utf8)))
    }

    package var description: String { "APIKey(redacted)" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// A key just issued, with the metadata the caller needs to manage it.
package struct IssuedAPIKey: Sendable {
    package let id: UUID
    package let key: APIKey
    /// The tenant the key reaches; `nil` for a platform key.
    package let tenantID: TenantID?
    package let label: String?
    package let createdAt: Date
}

/// What may be shown of a stored key: never the key or its hash.
package struct APIKeyRecord: Sendable, Equatable {
    package let id: UUID
    /// The tenant the key reaches; `nil` for a platform key.
    package let tenantID: TenantID?
    package let label: String?
    package let createdAt: Date
    /// Recorded at most once per `APIKeyStore.lastUseResolution`, so it may be that much older
    /// than the key's real last use.
    package let lastUsedAt: Date?
    package let revokedAt: Date?

    package init(id: UUID, tenantID: TenantID?, label: String?, createdAt: Date, lastUsedAt: Date?, revokedAt: Date?) {
        self.id = id
        self.tenantID = tenantID
        self.label = label
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    package var isRevoked: Bool { revokedAt != nil }
}
