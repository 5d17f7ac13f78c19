import Crypto
import FolioDomain
import Foundation
import Logging
import PostgresNIO

/// Issues API keys and resolves a presented key to the caller it identifies.
package struct APIKeyStore: Sendable {
    let client: PostgresClient
    /// Hashes of the platform keys given in configuration; checked before the database, and never
    /// stored, so removing a key from configuration revokes it.
    let configuredPlatformKeyHashes: Set<Data>
    let logger: Logger

    package init(client: PostgresClient, configuredPlatformKeys: [APIKey], logger: Logger) {
        self.client = client
        self.configuredPlatformKeyHashes = Set(configuredPlatformKeys.map(\.hash))
        self.logger = logger
    }

    /// Stores a new platform key (one that reaches every tenant) and returns it in clear, once.
    package func issuePlatformKey(label: String?) async throws -> IssuedAPIKey {
        let key = APIKey.generate()
        let id = UUID()
        let rows = try await client.query(
            """
            INSERT INTO folio.api_keys (id, tenant_id, key_hash, label)
            VALUES (\(id), NULL, \(key.hash), \(label)) RETURNING created_at
            """,
            logger: logger
        )
        var createdAt = Date()
        for try await date in rows.decode(Date.self) { createdAt = date }
        return IssuedAPIKey(id: id, key: key, tenantID: nil, label: label, createdAt: createdAt)
    }

    /// Stores a new key that reaches `tenant` only.
    package func issueTenantKey(for tenant: TenantID, label: String?) async throws -> IssuedAPIKey {
        let key = APIKey.generate()
        let id = UUID()
        // Inserting through a SELECT of the tenant makes an unknown (or just deleted) tenant an
        // empty result rather than a foreign-key error.
        let rows = try await client.query(
            """
            INSERT INTO folio.api_keys (id, tenant_id, key_hash, label)
            SELECT \(id), id, \(key.hash), \(label) FROM folio.tenants WHERE id = \(tenant.rawValue)
            RETURNING created_at
            """,
            logger: logger
        )
        var createdAt: Date?
        for try await date in rows.decode(Date.self) { createdAt = date }
        guard let createdAt else { throw RegistryError.tenantNotFound(tenant) }
        logger.info("tenant api key issued", metadata: ["tenant.id": "\(tenant)", "key.id": "\(id)"])
        return IssuedAPIKey(id: id, key: key, tenantID: tenant, label: label, createdAt: createdAt)
    }

    /// The caller a presented bearer key identifies, or `nil` for an unknown key.
    package func authenticate(_ presented: String) async throws -> Principal? {
        // Anything that cannot be a Folio key is refused without touching the database.
        guard presented.utf8.count <= 256 else { return nil }
        let hash = APIKey.hash(of: presented)
        if configuredPlatformKeyHashes.contains(hash) {
            return .platform(keyID: nil)
        }
        let rows = try await client.query(
            "SELECT id, tenant_id FROM folio.api_keys WHERE key_hash = \(hash)",
            logger: logger
        )
        for try await (id, tenantID) in rows.decode((UUID, UUID?).self) {
            if let tenantID {
                return .tenant(TenantID(tenantID), keyID: id)
            }
            return .platform(keyID: id)
        }
        return nil
    }
}
