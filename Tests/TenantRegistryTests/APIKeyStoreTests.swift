import FolioDomain
import FolioTestSupport
import Foundation
import PostgresNIO
import Testing

@testable import TenantRegistry

@Suite struct APIKeyStoreTests {
    let logger = TestDatabase.logger

    @Test func generatedKeysCarry256RandomBits() {
        let keys = (0..<50).map { _ in APIKey.generate().secret }
        #expect(Set(keys).count == keys.count)
        for key in keys {
            #expect(key.hasPrefix(APIKey.prefix))
            let payload = Data(base64URLEncoded: String(key.dropFirst(APIKey.prefix.count)))
            #expect(payload?.count == 32)
        }
    }

    @Test func aKeyNeverAppearsInItsDescription() {
        let key = APIKey.generate()
        #expect(!"\(key)".contains(key.secret))
        #expect(!String(reflecting: key).contains(key.secret))
    }

    @Test func tenantKeysReachTheirTenantAndAreStoredOnlyAsHashes() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let tenant = try await directory.register(TenantRegistration(externalID: "hotel", displayName: nil)).tenant
            let store = APIKeyStore(client: client, configuredPlatformKeys: [], logger: logger)
            let issued = try await store.issueTenantKey(for: tenant.id, label: "panel")
            #expect(try await store.authenticate(issued.key.secret) == .tenant(tenant.id, keyID: issued.id))

            let stored = try await client.scalar("SELECT key_hash FROM folio.api_keys WHERE id = \(issued.id)", as: ByteBuffer.self)
            #expect(stored.map { Data($0.readableBytesView) } == issued.key.hash)
            let leaked = try await client.scalar(
                "SELECT count(*) FROM folio.api_keys WHERE position(\(Data(issued.key.secret.utf8)) IN key_hash) > 0 OR label LIKE \("%" + issued.key.secret + "%")",
                as: Int64.self
            )
            #expect(leaked == 0)
        }
    }

    @Test func platformKeysComeFromConfigurationOrTheDatabase() async throws {
        try await TestDatabase.withFresh { client in
            let configured = APIKey.generate()
            let store = APIKeyStore(client: client, configuredPlatformKeys: [configured], logger: logger)
            #expect(try await store.authenticate(configured.secret) == .platform(keyID: nil))
            let issued = try await store.issuePlatformKey(label: "ops")
            #expect(try await store.authenticate(issued.key.secret) == .platform(keyID: issued.id))
            #expect(try await store.authenticate(APIKey.generate().secret) == nil)
            #expect(try await store.authenticate(String(repeating: "x", count: 10_000)) == nil)
        }
    }

    @Test func issuingForAnUnknownTenantFails() async throws {
        try await TestDatabase.withFresh { client in
            let unknown = TenantID.random()
            await #expect(throws: RegistryError.tenantNotFound(unknown)) {
                try await APIKeyStore(client: client, configuredPlatformKeys: [], logger: logger).issueTenantKey(for: unknown, label: nil)
            }
        }
    }

    func registerTenant(_ externalID: String, _ client: PostgresClient) async throws -> TenantID {
        let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
        return try await directory.register(TenantRegistration(externalID: externalID, displayName: nil)).tenant.id
    }

    @Test func aRevokedKeyStopsAuthenticatingAtOnce() async throws {
        try await TestDatabase.withFresh { client in
            let tenant = try await registerTenant("hotel", client)
            let other = try await registerTenant("other", client)
            let store = APIKeyStore(client: client, configuredPlatformKeys: [], logger: logger)
            let issued = try await store.issueTenantKey(for: tenant, label: "panel")
            #expect(try await store.authenticate(issued.key.secret) != nil)

            #expect(try await store.revokeTenantKey(issued.id, of: other, actor: "test") == nil)
            let unknown = TenantID.random()
            await #expect(throws: RegistryError.tenantNotFound(unknown)) {
                try await store.revokeTenantKey(issued.id, of: unknown, actor: "test")
            }
            #expect(try await store.authenticate(issued.key.secret) != nil)

            let revoked = try #require(try await store.revokeTenantKey(issued.id, of: tenant, actor: "test"))
            #expect(revoked.isRevoked && revoked.label == "panel" && revoked.tenantID == tenant)
            #expect(try await store.authenticate(issued.key.secret) == nil)
            // Revoking again keeps the first revocation.
            #expect(try await store.revokeTenantKey(issued.id, of: tenant, actor: "test")?.revokedAt == revoked.revokedAt)
        }
    }

    @Test func aTenantsKeysAreListedWithoutSecrets() async throws {
        try await TestDatabase.withFresh { client in
            let tenant = try await registerTenant("hotel", client)
            let store = APIKeyStore(client: client, configuredPlatformKeys: [], logger: logger)
            #expect(try await store.tenantKeys(of: tenant) == [])
            let unknown = TenantID.random()
            await #expect(throws: RegistryError.tenantNotFound(unknown)) { try await store.tenantKeys(of: unknown) }

            let first = try await store.issueTenantKey(for: tenant, label: "first")
            let second = try await store.issueTenantKey(for: tenant, label: nil)
            _ = try await store.issuePlatformKey(label: "ops")
            _ = try await store.revokeTenantKey(first.id, of: tenant, actor: "test")
            let listed = try await store.tenantKeys(of: tenant)
            #expect(listed.map(\.id) == [first.id, second.id])
            #expect(listed.map(\.isRevoked) == [true, false])
            #expect(listed.map(\.label) == ["first", nil])
        }
    }

    @Test func platformKeysInTheDatabaseAreListedAndRevoked() async throws {
        try await TestDatabase.withFresh { client in
            let tenant = try await registerTenant("hotel", client)
            let store = APIKeyStore(client: client, configuredPlatformKeys: [], logger: logger)
            let ops = try await store.issuePlatformKey(label: "ops")
            let billing = try await store.issuePlatformKey(label: nil)
            let tenantKey = try await store.issueTenantKey(for: tenant, label: "panel")

            #expect(try await store.platformKeys().map(\.id) == [ops.id, billing.id])
            // `folio keys revoke` reaches platform keys only.
            #expect(try await store.revokePlatformKey(tenantKey.id, actor: "test") == nil)
            #expect(try await store.revokePlatformKey(UUID(), actor: "test") == nil)
            #expect(try await store.authenticate(tenantKey.key.secret) != nil)

            let revoked = try #require(try await store.revokePlatformKey(ops.id, actor: "test"))
            #expect(revoked.isRevoked && revoked.tenantID == nil)
            #expect(try await store.authenticate(ops.key.secret) == nil)
            #expect(try await store.authenticate(billing.key.secret) == .platform(keyID: billing.id))
            let listed = try await store.platformKeys()
            #expect(listed.map(\.isRevoked) == [true, false])
            #expect(listed.map(\.label) == ["ops", nil])
        }
    }

    @Test func lastUseIsRecordedAtMostOncePerResolution() async throws {
        try await TestDatabase.withFresh { client in
            let store = APIKeyStore(client: client, configuredPlatformKeys: [], logger: logger)
            let issued = try await store.issuePlatformKey(label: nil)
            #expect(try await store.platformKeys().first?.lastUsedAt == nil)
            _ = try await store.authenticate(issued.key.secret)
            #expect(try await store.platformKeys().first?.lastUsedAt != nil)

            // Used again well within the resolution: nothing is written.
            try await client.query(
                "UPDATE folio.api_keys SET last_used_at = now() - interval '30 minutes' WHERE id = \(issued.id)",
                logger: logger
            )
            let backdated = try await store.platformKeys().first?.lastUsedAt
            for _ in 0..<3 { _ = try await store.authenticate(issued.key.secret) }
            #expect(try await store.platformKeys().first?.lastUsedAt == backdated)
            let unchanged = try await client.scalar(
                "SELECT last_used_at < now() - interval '29 minutes' FROM folio.api_keys WHERE id = \(issued.id)",
                as: Bool.self
            )
            #expect(unchanged == true)

            // Older than the resolution: the next use records it.
            try await client.query(
                "UPDATE folio.api_keys SET last_used_at = now() - interval '2 hours' WHERE id = \(issued.id)",
                logger: logger
            )
            _ = try await store.authenticate(issued.key.secret)
            let refreshed = try await client.scalar(
                "SELECT last_used_at > now() - interval '1 hour' FROM folio.api_keys WHERE id = \(issued.id)",
                as: Bool.self
            )
            #expect(refreshed == true)
        }
    }
}
