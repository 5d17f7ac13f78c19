import FolioDomain
import HTTPTypes
import TokenVault

extension VaultError: ProblemConvertible {
    var problem: APIProblem {
        switch self {
        case .unknownTenant(let id):
            .tenantNotFound(id.description)
        case .databaseFailed:
            .serviceUnavailable
        // A record that cannot be opened, or a key that is not configured, is Folio's failure,
        // not the caller's: answered vaguely, logged in full.
        case .integrity, .missingKey, .unsupportedFormat, .keysMissingForRecords, .keyCheckMismatch:
            .internalError
        }
    }
}
