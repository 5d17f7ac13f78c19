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
}
