import FolioDomain

/// Failures of the registry that callers are expected to handle.
package enum RegistryError: Error, Equatable, Sendable {
    case tenantNotFound(TenantID)
    /// A pagination cursor that Folio did not issue.
    case invalidCursor
    /// The tenant's schema lacks migrations this Folio needs (its migration failed, or an older
    /// replica provisioned it); `folio migrate` reports why.
    case tenantSchemaBehind(TenantID)
}
