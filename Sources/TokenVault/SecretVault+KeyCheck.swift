import Crypto
import FolioDomain
import Foundation
import PostgresNIO
import TenantRegistry

extension KeyEncryptionKey {
    /// The fixed input of the check value; changing it would refuse every configured key.
    static let checkLabel = Data("folio-kek-check".utf8)

    /// HMAC-SHA256 of a fixed label under the key: equal for equal bytes, and no help in
    /// finding the key.
    var checkValue: Data {
        Data(HMAC<SHA256>.authenticationCode(for: Self.checkLabel, using: key))
    }

    func matches(checkValue stored: Data) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(stored, authenticating: Self.checkLabel, using: key)
    }
}

extension SecretVault {
    /// Refuses configured KEKs whose bytes differ from those first used under their id, before
    /// anything is sealed under them.
    ///
    /// The first time an id is seen its check value is recorded in `folio.vault_key_checks`;
    /// if records are already sealed under that id (a vault older than the check values), the
    /// key must first unwrap one of them. Later starts compare in constant time. Two replicas
    /// starting at once with different bytes for a new id: the first to record wins, the other
    /// is refused.
    ///
    /// - Returns: the ids whose check value this call recorded.
    /// - Throws: `VaultError.keyCheckMismatch` naming the first key id that does not match.
    @discardableResult
    package func verifyKeyCheckValues() async throws -> [String] {
        var recorded: [String] = []
        for id in keys.ids {
            guard let kek = keys.key(id: id) else { continue }
            if try await storedCheckValue(of: id) == nil {
                guard try await unwrapsARecord(kek) else { throw VaultError.keyCheckMismatch(keyID: id) }
                let rows = try await client.query(
                    """
                    INSERT INTO folio.vault_key_checks (kek_id, check_value) VALUES (\(id), \(kek.checkValue))
                    ON CONFLICT (kek_id) DO NOTHING RETURNING 1
                    """,
                    logger: logger
                )
                if try await rows.firstElement() != nil { recorded.append(id) }
            }
            guard let stored = try await storedCheckValue(of: id), kek.matches(checkValue: stored) else {
                throw VaultError.keyCheckMismatch(keyID: id)
            }
        }
        if !recorded.isEmpty {
            logger.info("vault key check values recorded", metadata: ["vault.kek_ids": "\(recorded.joined(separator: ","))"])
        }
        return recorded
    }

    private func storedCheckValue(of id: String) async throws -> Data? {
        let rows = try await client.query("SELECT check_value FROM folio.vault_key_checks WHERE kek_id = \(id)", logger: logger)
        return try await rows.decode(Data.self).firstElement()
    }

    /// Whether the key unwraps at least one of a few records sealed under its id, or there are
    /// none. A few rather than one, so that a single tampered record cannot refuse the right key.
    private func unwrapsARecord(_ kek: KeyEncryptionKey) async throws -> Bool {
        let rows = try await client.query(
            """
            SELECT tenant_id, purpose, format_version, wrapped_key FROM folio.vault_secrets
            WHERE kek_id = \(kek.id) LIMIT 5
            """,
            logger: logger
        )
        var sampled = false
        for try await (tenant, purpose, version, wrapped) in rows.decode((UUID, String, Int16, Data).self) {
            guard let purpose = VaultPurpose(purpose), Int(version) == EnvelopeCipher.formatVersion else { continue }
            sampled = true
            let record = SealedRecord(
                tenant: TenantID(tenant), purpose: purpose, formatVersion: Int(version), keyID: kek.id,
                wrappedKey: wrapped, nonce: Data(), ciphertext: Data()
            )
            if EnvelopeCipher.unwraps(record, keys: keys) { return true }
        }
        return !sampled
    }
}
