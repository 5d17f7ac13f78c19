import FolioDomain
import TenantRegistry

/// Failures of the vault. None of them carries secret material.
package enum VaultError: Error, Equatable, Sendable, CustomStringConvertible, LogSafeError {
    /// A record failed authentication: tampered with, or copied to another tenant or purpose.
    case integrity(tenant: TenantID, purpose: VaultPurpose)
    /// A record was wrapped by a KEK that is not configured any more.
    case missingKey(id: String, tenant: TenantID, purpose: VaultPurpose)
    /// A record of a format this Folio does not know.
    case unsupportedFormat(version: Int, tenant: TenantID, purpose: VaultPurpose)
    /// Records need KEKs that the configuration no longer has; the start is refused.
    case keysMissingForRecords(count: Int, keyIDs: [String])
    /// A secret was stored for a tenant that does not exist.
    case unknownTenant(TenantID)
    /// A configured KEK has the id of a key used before but other bytes; the start is refused.
    case keyCheckMismatch(keyID: String)
    /// The vault's database failed or could not be reached.
    case databaseFailed(DatabaseFailure)

    package var description: String {
        switch self {
        case .integrity(let tenant, let purpose):
            "vault integrity failure for tenant \(tenant), purpose \(purpose)"
        case .missingKey(let id, let tenant, let purpose):
            "vault record of tenant \(tenant), purpose \(purpose) needs key '\(id)', which is not configured"
        case .unsupportedFormat(let version, let tenant, let purpose):
            "vault record of tenant \(tenant), purpose \(purpose) has unknown format version \(version)"
        case .keysMissingForRecords(let count, let keyIDs):
            "\(count) vault record(s) need key(s) \(keyIDs.map { "'\($0)'" }.joined(separator: ", ")) missing from FOLIO_VAULT_KEYS; "
                + "put the key(s) back, or run `folio vault rotate` while they are still configured"
        case .unknownTenant(let tenant):
            "no tenant \(tenant) exists to hold a vault record"
        case .keyCheckMismatch(let keyID):
            "FOLIO_VAULT_KEYS: key '\(keyID)' is not the key first used under that id (its check value differs, "
                + "or it cannot open the records sealed under it); configure the original bytes for '\(keyID)', "
                + "and give a new key a new id"
        case .databaseFailed(let failure):
            "the vault's \(failure)"
        }
    }
}

extension VaultError: DatabaseFailureWrapping {
    package var databaseFailure: DatabaseFailure? {
        if case .databaseFailed(let failure) = self { failure } else { nil }
    }
}
