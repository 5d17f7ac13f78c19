import FolioDomain
import FolioTestSupport
import Foundation
import Logging
import PostgresNIO
import TenantRegistry
import Testing

@testable import TokenVault

@Suite struct SecretVaultTests {
    static func key(_ id: String, _ byte: UInt8) -> KeyEncryptionKey {
        KeyEncryptionKey(id: id, material: Data(repeating: byte, count: 32))
    }

    let oldKey = key("old", 1)
    let newKey = key("new", 2)
    let token = VaultPurpose("invoicebox.api_token")!
    let notificationKey = VaultPurpose("invoicebox.notification_key")!
    let logger = TestDatabase.logger

    func tenants(_ count: Int, client: PostgresClient) async throws -> [TenantID] {
        let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
        var ids: [TenantID] = []
        for index in 0..<count {
            ids.append(try await directory.register(TenantRegistration(externalID: "vault-\(index)", displayName: nil)).tenant.id)
        }
        return ids
    }

    @Test func storesReadsReplacesAndDeletes() async throws {
        try await TestDatabase.withFresh { client in
            let vault = SecretVault(client: client, keys: KeyRing([oldKey])!, logger: logger)
            let tenant = try await tenants(1, client: client)[0]
            #expect(try await vault.read(tenant: tenant, purpose: token, actor: "t") == nil)
            try await vault.store(Secret("first"), tenant: tenant, purpose: token, actor: "t")
            try await vault.store(Secret("second"), tenant: tenant, purpose: token, actor: "t")
            #expect(try await vault.read(tenant: tenant, purpose: token, actor: "t") == Secret("second"))
            #expect(try await vault.delete(tenant: tenant, purpose: token, actor: "t"))
            #expect(try await vault.read(tenant: tenant, purpose: token, actor: "t") == nil)
            #expect(try await vault.delete(tenant: tenant, purpose: token, actor: "t") == false)
            await #expect(throws: VaultError.unknownTenant(TenantID(UUID(uuidString: "0f8fad5b-d9cb-469f-a165-70867728950e")!))) {
                try await vault.store(Secret("x"), tenant: TenantID(UUID(uuidString: "0f8fad5b-d9cb-469f-a165-70867728950e")!), purpose: token, actor: "t")
            }
        }
    }

    @Test func recordsSwappedBetweenTenantsOrPurposesDoNotDecrypt() async throws {
        _ = TestMetrics.registry
        try await TestDatabase.withFresh { client in
            let vault = SecretVault(client: client, keys: KeyRing([oldKey])!, logger: logger)
            let ids = try await tenants(2, client: client)
            try await vault.store(Secret("token-of-a"), tenant: ids[0], purpose: token, actor: "t")
            try await vault.store(Secret("token-of-b"), tenant: ids[1], purpose: token, actor: "t")
            try await vault.store(Secret("key-of-a"), tenant: ids[0], purpose: notificationKey, actor: "t")
            let before = TestMetrics.counter("folio_vault_integrity_failures_total")

            // Someone with write access to the database copies A's record over B's.
            try await client.query(
                """
                UPDATE folio.vault_secrets AS target
                SET wrapped_key = source.wrapped_key, nonce = source.nonce, ciphertext = source.ciphertext
                FROM folio.vault_secrets AS source
                WHERE source.tenant_id = \(ids[0].rawValue) AND source.purpose = \(token.rawValue)
                  AND ((target.tenant_id = \(ids[1].rawValue) AND target.purpose = \(token.rawValue))
                    OR (target.tenant_id = \(ids[0].rawValue) AND target.purpose = \(notificationKey.rawValue)))
                """,
                logger: logger
            )
            await #expect(throws: VaultError.integrity(tenant: ids[1], purpose: token)) {
                try await vault.read(tenant: ids[1], purpose: token, actor: "t")
            }
            await #expect(throws: VaultError.integrity(tenant: ids[0], purpose: notificationKey)) {
                try await vault.read(tenant: ids[0], purpose: notificationKey, actor: "t")
            }
            #expect(try await vault.read(tenant: ids[0], purpose: token, actor: "t") == Secret("token-of-a"))
            #expect(TestMetrics.counter("folio_vault_integrity_failures_total") >= before + 2)
        }
    }

    @Test func rotationUnderConcurrentReadsLosesNothing() async throws {
        try await TestDatabase.withFresh(maximumConnections: 12) { client in
            let ids = try await tenants(10, client: client)
            let before = SecretVault(client: client, keys: KeyRing([oldKey])!, logger: logger)
            var expected: [(TenantID, VaultPurpose, Secret)] = []
            for (index, tenant) in ids.enumerated() {
                for purposeIndex in 0..<20 {
                    let purpose = VaultPurpose("secret-\(purposeIndex)")!
                    let secret = Secret("value-\(index)-\(purposeIndex)-\(UUID())")
                    try await before.store(secret, tenant: tenant, purpose: purpose, actor: "setup")
                    expected.append((tenant, purpose, secret))
                }
            }
            let during = SecretVault(client: client, keys: KeyRing([newKey, oldKey])!, logger: logger)
            let stored = expected
            let (report, mismatches) = try await withThrowingTaskGroup(of: (SecretVault.RotationReport?, Int).self) { group in
                group.addTask { (try await during.rotate(actor: "rotation", batchSize: 17), 0) }
                for reader in 0..<4 {
                    group.addTask {
                        var mismatches = 0
                        for step in 0..<150 {
                            let (tenant, purpose, secret) = stored[(reader * 37 + step * 13) % stored.count]
                            if try await during.read(tenant: tenant, purpose: purpose, actor: "reader") != secret { mismatches += 1 }
                        }
                        return (nil, mismatches)
                    }
                }
                var report: SecretVault.RotationReport?
                var mismatches = 0
                for try await (partial, count) in group {
                    report = partial ?? report
                    mismatches += count
                }
                return (report, mismatches)
            }
            #expect(mismatches == 0)
            #expect(report == SecretVault.RotationReport(rewrapped: 200, skipped: 0, failed: 0))
            // The old key can now go: everything reads with the new key alone.
            let after = SecretVault(client: client, keys: KeyRing([newKey])!, logger: logger)
            try await after.checkEveryRecordHasItsKey()
            for (tenant, purpose, secret) in stored {
                #expect(try await after.read(tenant: tenant, purpose: purpose, actor: "check") == secret)
            }
        }
    }

    @Test func anInterruptedRotationResumes() async throws {
        try await TestDatabase.withFresh { client in
            let tenant = try await tenants(1, client: client)[0]
            let old = SecretVault(client: client, keys: KeyRing([oldKey])!, logger: logger)
            for index in 0..<30 {
                try await old.store(Secret("s\(index)"), tenant: tenant, purpose: VaultPurpose("p\(index)")!, actor: "setup")
            }
            let rotating = SecretVault(client: client, keys: KeyRing([newKey, oldKey])!, logger: logger)
            // The first run stops after 12 records, as a crash between batches would.
            let first = try await rotating.rotate(actor: "rotation", batchSize: 5, limit: 12)
            #expect(first.rewrapped == 12)
            let onOldKey = try await client.scalar("SELECT count(*) FROM folio.vault_secrets WHERE kek_id = 'old'", as: Int64.self)
            #expect(onOldKey == 18)

            let newOnly = SecretVault(client: client, keys: KeyRing([newKey])!, logger: logger)
            await #expect(throws: VaultError.keysMissingForRecords(count: 18, keyIDs: ["old"])) {
                try await newOnly.checkEveryRecordHasItsKey()
            }
            let second = try await rotating.rotate(actor: "rotation", batchSize: 5)
            #expect(second == SecretVault.RotationReport(rewrapped: 18, skipped: 12, failed: 0))
            try await newOnly.checkEveryRecordHasItsKey()
            for index in 0..<30 {
                #expect(try await newOnly.read(tenant: tenant, purpose: VaultPurpose("p\(index)")!, actor: "check") == Secret("s\(index)"))
            }
        }
    }

    @Test func rotationCountsRecordsItCannotUnwrap() async throws {
        try await TestDatabase.withFresh { client in
            let tenant = try await tenants(1, client: client)[0]
            let lost = Self.key("lost", 9)
            try await SecretVault(client: client, keys: KeyRing([lost])!, logger: logger).store(
                Secret("orphan"), tenant: tenant, purpose: token, actor: "setup")
            try await SecretVault(client: client, keys: KeyRing([oldKey])!, logger: logger).store(
                Secret("fine"), tenant: tenant, purpose: notificationKey, actor: "setup")
            let report = try await SecretVault(client: client, keys: KeyRing([newKey, oldKey])!, logger: logger).rotate(actor: "rotation")
            #expect(report == SecretVault.RotationReport(rewrapped: 1, skipped: 0, failed: 1, remaining: 1))
        }
    }

    @Test func everyAccessIsAuditedAndTheAuditIsAppendOnly() async throws {
        try await TestDatabase.withFresh { client in
            let directory = TenantDirectory(client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger)
            let tenant = try await directory.register(TenantRegistration(externalID: "audited", displayName: nil)).tenant.id
            let canary = "canary-\(UUID())"
            let vault = SecretVault(client: client, keys: KeyRing([oldKey])!, logger: logger)
            try await vault.store(Secret(canary), tenant: tenant, purpose: token, actor: "request:r1")
            _ = try await vault.read(tenant: tenant, purpose: token, actor: "request:r2")
            try await vault.store(Secret(canary), tenant: tenant, purpose: notificationKey, actor: "request:r3")
            _ = try await SecretVault(client: client, keys: KeyRing([newKey, oldKey])!, logger: logger).rotate(actor: "folio vault rotate")
            _ = try await vault.delete(tenant: tenant, purpose: token, actor: "request:r4")
            _ = try await directory.delete(tenant, actor: "request:r5")

            let rows = try await client.query(
                "SELECT action, actor, purpose FROM folio.vault_audit WHERE tenant_id = \(tenant.rawValue) ORDER BY id",
                logger: logger
            )
            let trail = try await rows.decode((String, String, String).self).collect().map { action, actor, purpose in
                "\(action) \(purpose) \(actor)"
            }
            #expect(
                trail == [
                    "store invoicebox.api_token request:r1",
                    "read invoicebox.api_token request:r2",
                    "store invoicebox.notification_key request:r3",
                    "rotate invoicebox.api_token folio vault rotate",
                    "rotate invoicebox.notification_key folio vault rotate",
                    "delete invoicebox.api_token request:r4",
                    "delete invoicebox.notification_key request:r5",
                ])
            let leaked = try await client.scalar(
                "SELECT count(*) FROM folio.vault_audit WHERE row_to_json(vault_audit)::text LIKE \("%" + canary + "%")",
                as: Int64.self
            )
            #expect(leaked == 0)
            #expect(try await client.scalar("SELECT count(*) FROM folio.vault_secrets", as: Int64.self) == 0)
            await #expect(throws: (any Error).self) {
                try await client.query("DELETE FROM folio.vault_audit", logger: logger)
            }
            await #expect(throws: (any Error).self) {
                try await client.query("UPDATE folio.vault_audit SET actor = 'someone else'", logger: logger)
            }
        }
    }

    @Test func aCanaryNeverReachesTheLogOrAnError() async throws {
        try await TestDatabase.withFresh { client in
            let logs = CapturedLogs()
            let canary = "canary-\(UUID())"
            let tenant = try await tenants(1, client: client)[0]
            let vault = SecretVault(client: client, keys: KeyRing([oldKey])!, logger: logs.logger(label: "vault"))
            try await vault.store(Secret(canary), tenant: tenant, purpose: token, actor: "t")
            _ = try await vault.read(tenant: tenant, purpose: token, actor: "t")
            try await client.query("UPDATE folio.vault_secrets SET nonce = decode('000000000000000000000000', 'hex')", logger: logger)
            var caught: (any Error)?
            do {
                _ = try await vault.read(tenant: tenant, purpose: token, actor: "t")
            } catch {
                caught = error
            }
            let error = try #require(caught)
            #expect(!"\(error)".contains(canary))
            #expect(!String(reflecting: error).contains(canary))
            #expect(logs.text.contains("vault record could not be decrypted"))
            #expect(!logs.text.contains(canary))
        }
    }
}
