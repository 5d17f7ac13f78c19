import FolioDomain
import FolioTestSupport
import Foundation
import PostgresNIO
import TenantRegistry
import Testing

@testable import TokenVault

@Suite struct KeyCheckValueTests {
    let logger = TestDatabase.logger
    let token = VaultPurpose("invoicebox.api_token")!

    func vault(_ keys: [KeyEncryptionKey], _ client: PostgresClient) -> SecretVault {
        SecretVault(client: client, keys: KeyRing(keys)!, logger: logger)
    }

    @Test func aKeyWithTheRightIDAndOtherBytesIsRefused() async throws {
        try await TestDatabase.withFresh { client in
            let right = KeyEncryptionKey(id: "primary", material: Data(repeating: 1, count: 32))
            let wrongBytes = Data(repeating: 2, count: 32)
            let wrong = KeyEncryptionKey(id: "primary", material: wrongBytes)

            #expect(try await vault([right], client).verifyKeyCheckValues() == ["primary"])
            #expect(try await vault([right], client).verifyKeyCheckValues() == [])
            await #expect(throws: VaultError.keyCheckMismatch(keyID: "primary")) {
                try await vault([wrong], client).verifyKeyCheckValues()
            }
            // Under another id the same bytes are a new key, and are recorded.
            let added = KeyEncryptionKey(id: "next", material: wrongBytes)
            #expect(try await vault([added, right], client).verifyKeyCheckValues() == ["next"])

            let message = VaultError.keyCheckMismatch(keyID: "primary").description
            #expect(message.contains("'primary'") && message.contains("FOLIO_VAULT_KEYS"))
            #expect(!message.contains(wrongBytes.base64EncodedString()))
            let stored = try await client.scalar("SELECT check_value FROM folio.vault_key_checks WHERE kek_id = 'primary'", as: ByteBuffer.self)
            #expect(stored.map { Data($0.readableBytesView) } != Data(repeating: 1, count: 32))
        }
    }

    @Test func aKeyFirstSeenIsProvedOnTheRecordsAlreadySealedUnderItsID() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let tenant = try await directory.register(TenantRegistration(externalID: "sealed", displayName: nil)).tenant.id
            let right = KeyEncryptionKey(id: "primary", material: Data(repeating: 1, count: 32))
            let wrong = KeyEncryptionKey(id: "primary", material: Data(repeating: 2, count: 32))
            // A vault from before the check values: a record, and no check value yet.
            try await vault([right], client).store(Secret("token"), tenant: tenant, purpose: token, actor: "setup")

            await #expect(throws: VaultError.keyCheckMismatch(keyID: "primary")) {
                try await vault([wrong], client).verifyKeyCheckValues()
            }
            #expect(try await client.scalar("SELECT count(*) FROM folio.vault_key_checks", as: Int64.self) == 0)
            #expect(try await vault([right], client).verifyKeyCheckValues() == ["primary"])
        }
    }
}
