import FolioDomain

/// Failures of the registry that callers are expected to handle.
package enum RegistryError: Error, Equatable, Sendable, LogSafeError {
    case tenantNotFound(TenantID)
    /// A pagination cursor that Folio did not issue.
    case invalidCursor
    /// The tenant's schema lacks migrations this Folio needs (its migration failed, or an older
    /// replica provisioned it); `folio migrate` reports why.
    case tenantSchemaBehind(TenantID)
    /// The database failed or could not be reached, in a registry call or in a tenant's unit of
    /// work (`TenantDirectory.withTenant`), whichever module's statements the unit ran.
    case databaseFailed(DatabaseFailure)
}

extension RegistryError: DatabaseFailureWrapping {
    package var databaseFailure: DatabaseFailure? {
        if case .databaseFailed(let failure) = self { failure } else { nil }
    }
}
