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
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            let key = APIKey.generate()
            let id = UUID()
            let rows = try await client.query(
                """
                INSERT INTO folio.api_keys (id, tenant_id, key_hash, label)
                VALUES (\(id), NULL, \(key.hash), \(label)) RETURNING created_at
                """,
                logger: logger
            )
            let createdAt = try await rows.decode(Date.self).collect().first ?? Date()
            return IssuedAPIKey(id: id, key: key, tenantID: nil, label: label, createdAt: createdAt)
        }
    }

    /// Stores a new key that reaches `tenant` only.
    package func issueTenantKey(for tenant: TenantID, label: String?) async throws -> IssuedAPIKey {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
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
            guard let createdAt = try await rows.decode(Date.self).collect().first else {
                throw RegistryError.tenantNotFound(tenant)
            }
            logger.info("tenant api key issued", metadata: ["tenant.id": "\(tenant)", "key.id": "\(id.uuidString.lowercased())"])
            return IssuedAPIKey(id: id, key: key, tenantID: tenant, label: label, createdAt: createdAt)
        }
    }

    /// How coarsely a key's last use is recorded: a key used again within this interval is not
    /// written again, so authenticating stays one read for nearly every request.
    package static let lastUseResolution: Duration = .seconds(3600)

    /// The caller a presented bearer key identifies, or `nil` for an unknown or revoked key.
    ///
    /// Keys are not cached: a revocation holds from the next request on.
    package func authenticate(_ presented: String) async throws -> Principal? {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            // Anything that cannot be a Folio key is refused without touching the database.
            guard presented.utf8.count <= 256 else { return nil }
            let hash = APIKey.hash(of: presented)
            if configuredPlatformKeyHashes.contains(hash) {
                return .platform(keyID: nil)
            }
            // One statement: the lookup, and the last use only when the recorded one is older than
            // the resolution, so at most one write per key and interval. The condition is on the
            // row being updated, so that concurrent first uses re-check it and only one writes.
            let resolution = Double(Self.lastUseResolution.components.seconds)
            let rows = try await client.query(
                """
                WITH presented AS (
                    SELECT id, tenant_id FROM folio.api_keys
                    WHERE key_hash = \(hash) AND revoked_at IS NULL
                ), touched AS (
                    UPDATE folio.api_keys SET last_used_at = now()
                    FROM presented
                    WHERE api_keys.id = presented.id
                      AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < now() - make_interval(secs => \(resolution)))
                    RETURNING 1
                )
                SELECT id, tenant_id FROM presented
                """,
                logger: logger
            )
            guard let (id, tenantID) = try await rows.decode((UUID, UUID?).self).firstElement() else { return nil }
            if let tenantID {
                return .tenant(TenantID(tenantID), keyID: id)
            }
            return .platform(keyID: id)
        }
    }

    /// The keys of `tenant`, revoked ones included, oldest first.
    package func tenantKeys(of tenant: TenantID) async throws -> [APIKeyRecord] {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            // Joined from the tenant, so that an unknown tenant (no row) differs from one without keys
            // (one row of NULLs).
            let rows = try await client.query(
                """
                SELECT k.id, k.label, k.created_at, k.last_used_at, k.revoked_at
                FROM folio.tenants t LEFT JOIN folio.api_keys k ON k.tenant_id = t.id
                WHERE t.id = \(tenant.rawValue)
                ORDER BY k.created_at, k.id
                """,
                logger: logger
            )
            var tenantExists = false
            var records: [APIKeyRecord] = []
            for try await (id, label, createdAt, lastUsedAt, revokedAt) in rows.decode((UUID?, String?, Date?, Date?, Date?).self) {
                tenantExists = true
                guard let id, let createdAt else { continue }
                records.append(APIKeyRecord(id: id, tenantID: tenant, label: label, createdAt: createdAt, lastUsedAt: lastUsedAt, revokedAt: revokedAt))
            }
            guard tenantExists else { throw RegistryError.tenantNotFound(tenant) }
            return records
        }
    }

    /// The platform keys stored in the database (not those from configuration), revoked ones
    /// included, oldest first.
    package func platformKeys() async throws -> [APIKeyRecord] {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            let rows = try await client.query(
                """
                SELECT id, label, created_at, last_used_at, revoked_at FROM folio.api_keys
                WHERE tenant_id IS NULL ORDER BY created_at, id
                """,
                logger: logger
            )
            return try await rows.decode((UUID, String?, Date, Date?, Date?).self).collect().map { id, label, createdAt, lastUsedAt, revokedAt in
                APIKeyRecord(id: id, tenantID: nil, label: label, createdAt: createdAt, lastUsedAt: lastUsedAt, revokedAt: revokedAt)
            }
        }
    }

    /// Revokes a key of `tenant`; the key stops authenticating with the next request. Revoking a
    /// revoked key keeps its first revocation time. `nil` when the tenant has no such key.
    package func revokeTenantKey(_ id: UUID, of tenant: TenantID, actor: String) async throws -> APIKeyRecord? {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            let rows = try await client.query(
                """
                UPDATE folio.api_keys SET revoked_at = coalesce(revoked_at, now())
                WHERE id = \(id) AND tenant_id = \(tenant.rawValue)
                RETURNING id, tenant_id, label, created_at, last_used_at, revoked_at
                """,
                logger: logger
            )
            if let record = try await Self.firstRecord(rows) {
                logger.notice("api key revoked", metadata: ["key.id": "\(id.uuidString.lowercased())", "tenant.id": "\(tenant)", "actor": "\(actor)"])
                return record
            }
            let tenantRows = try await client.query("SELECT 1 FROM folio.tenants WHERE id = \(tenant.rawValue)", logger: logger)
            guard try await tenantRows.firstElement() != nil else { throw RegistryError.tenantNotFound(tenant) }
            return nil
        }
    }

    /// Revokes a platform key stored in the database; `nil` when there is no such platform key.
    /// A key given in `FOLIO_PLATFORM_KEYS` is revoked by removing it from there.
    package func revokePlatformKey(_ id: UUID, actor: String) async throws -> APIKeyRecord? {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            let rows = try await client.query(
                """
                UPDATE folio.api_keys SET revoked_at = coalesce(revoked_at, now())
                WHERE id = \(id) AND tenant_id IS NULL
                RETURNING id, tenant_id, label, created_at, last_used_at, revoked_at
                """,
                logger: logger
            )
            let record = try await Self.firstRecord(rows)
            if record != nil {
                logger.notice("api key revoked", metadata: ["key.id": "\(id.uuidString.lowercased())", "actor": "\(actor)"])
            }
            return record
        }
    }

    private static func firstRecord(_ rows: PostgresRowSequence) async throws -> APIKeyRecord? {
        try await rows.decode((UUID, UUID?, String?, Date, Date?, Date?).self).firstElement().map {
            id, tenantID, label, createdAt, lastUsedAt, revokedAt in
            APIKeyRecord(
                id: id, tenantID: tenantID.map(TenantID.init), label: label,
                createdAt: createdAt, lastUsedAt: lastUsedAt, revokedAt: revokedAt
            )
        }
    }
}
