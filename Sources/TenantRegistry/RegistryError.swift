import FolioDomain

/// Failures of the registry that callers are expected to handle.
package enum RegistryError: Error, Equatable, Sendable {
    case tenantNotFound(TenantID)
    /// A pagination cursor that Folio did not issue.
    case invalidCursor
}
