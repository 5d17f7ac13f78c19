import FolioDomain
import Foundation
import Testing

@testable import TokenVault

@Suite struct EnvelopeCipherTests {
    static let kek = KeyEncryptionKey(id: "k1", material: Data((0..<32).map { UInt8($0) }))
    static let otherKEK = KeyEncryptionKey(id: "k2", material: Data((0..<32).map { UInt8(255 - $0) }))
    let keys = KeyRing([kek, otherKEK])!
    let tenant = TenantID.random()
    let purpose = VaultPurpose("invoicebox.api_token")!
    let secret = Secret("0123456789abcdef0123456789abcdef")

    @Test func roundTrip() throws {
        let record = try EnvelopeCipher.seal(secret, tenant: tenant, purpose: purpose, with: Self.kek)
        #expect(try EnvelopeCipher.open(record, keys: keys) == secret)
        #expect(record.keyID == "k1")
        #expect(record.formatVersion == EnvelopeCipher.formatVersion)
        #expect(!record.ciphertext.contains(Data(secret.revealed.utf8)))
    }

    @Test func eachSecretGetsItsOwnDataKeyAndNonce() throws {
        let first = try EnvelopeCipher.seal(secret, tenant: tenant, purpose: purpose, with: Self.kek)
        let second = try EnvelopeCipher.seal(secret, tenant: tenant, purpose: purpose, with: Self.kek)
        #expect(first.nonce != second.nonce)
        #expect(first.wrappedKey != second.wrappedKey)
        #expect(first.ciphertext != second.ciphertext)
    }

    @Test func flippingAnyByteOfCiphertextNonceOrWrappedKeyFails() throws {
        let record = try EnvelopeCipher.seal(secret, tenant: tenant, purpose: purpose, with: Self.kek)
        let fields: [WritableKeyPath<SealedRecord, Data>] = [\.ciphertext, \.nonce, \.wrappedKey]
        for field in fields {
            for index in 0..<record[keyPath: field].count {
                var tampered = record
                tampered[keyPath: field][tampered[keyPath: field].startIndex + index] ^= 0x01
                #expect(throws: VaultError.integrity(tenant: tenant, purpose: purpose)) {
                    try EnvelopeCipher.open(tampered, keys: keys)
                }
            }
        }
    }

    @Test func truncatedFieldsFail() throws {
        let record = try EnvelopeCipher.seal(secret, tenant: tenant, purpose: purpose, with: Self.kek)
        for field in [\SealedRecord.ciphertext, \.nonce, \.wrappedKey] {
            var tampered = record
            tampered[keyPath: field] = tampered[keyPath: field].dropLast()
            #expect(throws: VaultError.self) { try EnvelopeCipher.open(tampered, keys: keys) }
        }
    }

    @Test func changedMetadataFails() throws {
        let record = try EnvelopeCipher.seal(secret, tenant: tenant, purpose: purpose, with: Self.kek)

        var otherTenant = record
        otherTenant.tenant = TenantID.random()
        #expect(throws: VaultError.integrity(tenant: otherTenant.tenant, purpose: purpose)) { try EnvelopeCipher.open(otherTenant, keys: keys) }

        var otherPurpose = record
        otherPurpose.purpose = VaultPurpose("invoicebox.notification_key")!
        #expect(throws: VaultError.integrity(tenant: tenant, purpose: otherPurpose.purpose)) { try EnvelopeCipher.open(otherPurpose, keys: keys) }

        var relabelled = record
        relabelled.keyID = "k2"
        #expect(throws: VaultError.integrity(tenant: tenant, purpose: purpose)) { try EnvelopeCipher.open(relabelled, keys: keys) }

        var unknownKey = record
        unknownKey.keyID = "k9"
        #expect(throws: VaultError.missingKey(id: "k9", tenant: tenant, purpose: purpose)) { try EnvelopeCipher.open(unknownKey, keys: keys) }

        var newerFormat = record
        newerFormat.formatVersion = 2
        #expect(throws: VaultError.unsupportedFormat(version: 2, tenant: tenant, purpose: purpose)) { try EnvelopeCipher.open(newerFormat, keys: keys) }
    }

    @Test func rewrappingChangesOnlyTheWrappedKey() throws {
        let record = try EnvelopeCipher.seal(secret, tenant: tenant, purpose: purpose, with: Self.kek)
        let moved = try EnvelopeCipher.rewrap(record, keys: keys, to: Self.otherKEK)
        #expect(moved.keyID == "k2")
        #expect(moved.ciphertext == record.ciphertext)
        #expect(moved.nonce == record.nonce)
        #expect(try EnvelopeCipher.open(moved, keys: KeyRing([Self.otherKEK])!) == secret)
    }

    @Test func keyListsAreValidated() throws {
        let good = "a:" + Data(repeating: 1, count: 32).base64EncodedString()
        #expect(try KeyEncryptionKey.parseList(good + ",b:" + Data(repeating: 2, count: 32).base64EncodedString()).get().map(\.id) == ["a", "b"])
        for bad in [
            "", "a", ":" + Data(repeating: 1, count: 32).base64EncodedString(), "a:short", good + "," + good,
            "a b:" + Data(repeating: 1, count: 32).base64EncodedString(),
        ] {
            guard case .failure = KeyEncryptionKey.parseList(bad) else {
                Issue.record("accepted \(bad.prefix(8))…")
                continue
            }
        }
    }
}
