/// A validated request to register a tenant.
package struct TenantRegistration: Hashable, Sendable {
    package static let externalIDLengths = 1...128
    package static let displayNameLengths = 1...200

    package let externalID: String
    package let displayName: String?

    /// Checks every field and reports all violations at once, so a caller fixes its request in one go.
    package init(externalID: String, displayName: String?) throws(ValidationFailure) {
        var violations: [FieldViolation] = []
        violations += FieldViolation.checkIdentifier(externalID, pointer: "/externalId", lengths: Self.externalIDLengths)
        if let displayName {
            violations += FieldViolation.checkText(displayName, pointer: "/displayName", lengths: Self.displayNameLengths)
        }
        guard violations.isEmpty else { throw ValidationFailure(violations: violations) }
        self.externalID = externalID
        self.displayName = displayName
    }
}
