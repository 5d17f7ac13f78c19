import Crypto
import FolioDomain
import Foundation

/// Envelope encryption with AES-256-GCM: each secret gets a fresh data key and nonce; the data
/// key is sealed by a KEK.
///
/// The associated data binds the secret's ciphertext to format, tenant and purpose, and the
/// wrapped data key to format, tenant, purpose and KEK id. A record moved to another tenant or
/// purpose, or relabelled with another KEK id, fails authentication: the data key cannot be
/// unwrapped, and without it neither can the secret.
package enum EnvelopeCipher {
    package static let formatVersion = 1

    package static func seal(_ secret: Secret, tenant: TenantID, purpose: VaultPurpose, with kek: KeyEncryptionKey) throws -> SealedRecord {
        let dataKey = SymmetricKey(size: .bits256)
        let box = try AES.GCM.seal(
            Data(secret.revealed.utf8),
            using: dataKey,
            authenticating: dataAssociatedData(tenant: tenant, purpose: purpose, version: formatVersion)
        )
        return SealedRecord(
            tenant: tenant,
            purpose: purpose,
            formatVersion: formatVersion,
            keyID: kek.id,
            wrappedKey: try wrap(dataKey, tenant: tenant, purpose: purpose, with: kek),
            nonce: Data(box.nonce),
            ciphertext: box.ciphertext + box.tag
        )
    }

    package static func open(_ record: SealedRecord, keys: KeyRing) throws(VaultError) -> Secret {
        let dataKey = try unwrapKey(of: record, keys: keys)
        do {
            let nonce = try AES.GCM.Nonce(data: record.nonce)
            guard record.ciphertext.count >= 16 else { throw VaultError.integrity(tenant: record.tenant, purpose: record.purpose) }
            let box = try AES.GCM.SealedBox(
                nonce: nonce,
                ciphertext: record.ciphertext.dropLast(16),
                tag: record.ciphertext.suffix(16)
            )
            let plaintext = try AES.GCM.open(
                box,
                using: dataKey,
                authenticating: dataAssociatedData(tenant: record.tenant, purpose: record.purpose, version: record.formatVersion)
            )
            guard let value = String(data: plaintext, encoding: .utf8) else {
                throw VaultError.integrity(tenant: record.tenant, purpose: record.purpose)
            }
            return Secret(value)
        } catch {
            throw .integrity(tenant: record.tenant, purpose: record.purpose)
        }
    }

    /// Re-seals the record's data key under `kek`; the secret's own ciphertext is untouched.
    package static func rewrap(_ record: SealedRecord, keys: KeyRing, to kek: KeyEncryptionKey) throws(VaultError) -> SealedRecord {
        let dataKey = try unwrapKey(of: record, keys: keys)
        var rewrapped = record
        rewrapped.keyID = kek.id
        do {
            rewrapped.wrappedKey = try wrap(dataKey, tenant: record.tenant, purpose: record.purpose, with: kek)
        } catch {
            throw .integrity(tenant: record.tenant, purpose: record.purpose)
        }
        return rewrapped
    }

    /// Whether the record's data key unwraps under the configured key of its KEK id: proves the
    /// key's bytes without decrypting the secret.
    package static func unwraps(_ record: SealedRecord, keys: KeyRing) -> Bool {
        (try? unwrapKey(of: record, keys: keys)) != nil
    }

    private static func unwrapKey(of record: SealedRecord, keys: KeyRing) throws(VaultError) -> SymmetricKey {
        guard record.formatVersion == formatVersion else {
            throw .unsupportedFormat(version: record.formatVersion, tenant: record.tenant, purpose: record.purpose)
        }
        guard let kek = keys.key(id: record.keyID) else {
            throw .missingKey(id: record.keyID, tenant: record.tenant, purpose: record.purpose)
        }
        do {
            let box = try AES.GCM.SealedBox(combined: record.wrappedKey)
            let keyData = try AES.GCM.open(
                box,
                using: kek.key,
                authenticating: keyAssociatedData(tenant: record.tenant, purpose: record.purpose, version: record.formatVersion, keyID: kek.id)
            )
            guard keyData.count == 32 else { throw VaultError.integrity(tenant: record.tenant, purpose: record.purpose) }
            return SymmetricKey(data: keyData)
        } catch {
            throw .integrity(tenant: record.tenant, purpose: record.purpose)
        }
    }

    private static func wrap(_ dataKey: SymmetricKey, tenant: TenantID, purpose: VaultPurpose, with kek: KeyEncryptionKey) throws -> Data {
        let keyData = dataKey.withUnsafeBytes { Data($0) }
        let box = try AES.GCM.seal(
            keyData,
            using: kek.key,
            authenticating: keyAssociatedData(tenant: tenant, purpose: purpose, version: formatVersion, keyID: kek.id)
        )
        guard let combined = box.combined else { throw VaultError.integrity(tenant: tenant, purpose: purpose) }
        return combined
    }

    /// Fields joined by NUL, which none of them can contain, so no two field lists share a byte string.
    private static func dataAssociatedData(tenant: TenantID, purpose: VaultPurpose, version: Int) -> Data {
        Data(["folio.vault", "v\(version)", "data", tenant.description, purpose.rawValue].joined(separator: "\0").utf8)
    }

    private static func keyAssociatedData(tenant: TenantID, purpose: VaultPurpose, version: Int, keyID: String) -> Data {
        Data(["folio.vault", "v\(version)", "key", tenant.description, purpose.rawValue, keyID].joined(separator: "\0").utf8)
    }
}
