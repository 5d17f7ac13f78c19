import FolioAPI
import FolioDomain
import Foundation
import HTTPTypes
import TenantRegistry

/// A tenant's API keys. Issuing one needs a platform key; listing and revoking are open to a
/// platform key for any tenant and to a tenant key for its own tenant, so that a tenant can
/// retire a leaked key without waiting for the host.
extension FolioAPIHandler {
    package func createTenantApiKey(_ input: Operations.CreateTenantApiKey.Input) async throws -> Operations.CreateTenantApiKey.Output {
        let id = try reachableTenant(input.path.tenantId)
        try requirePlatform()
        var label: String?
        if case .json(let body) = input.body {
            label = body.label
        }
        if let label {
            let violations = FieldViolation.checkText(label, pointer: "/label", lengths: 1...100)
            guard violations.isEmpty else { throw ValidationFailure(violations: violations) }
        }
        let issued = try await keys.issueTenantKey(for: id, label: label)
        return .created(
            .init(
                body: .json(
                    .init(
                        id: issued.id.uuidString.lowercased(),
                        key: issued.key.secret,
                        tenantId: id.description,
                        label: issued.label,
                        createdAt: issued.createdAt
                    ))))
    }

    package func listTenantApiKeys(_ input: Operations.ListTenantApiKeys.Input) async throws -> Operations.ListTenantApiKeys.Output {
        let id = try reachableTenant(input.path.tenantId)
        let records = try await keys.tenantKeys(of: id)
        return .ok(.init(body: .json(.init(items: records.map { Components.Schemas.ApiKey($0, tenant: id) }))))
    }

    package func revokeTenantApiKey(_ input: Operations.RevokeTenantApiKey.Input) async throws -> Operations.RevokeTenantApiKey.Output {
        let tenant = try reachableTenant(input.path.tenantId)
        guard let keyID = UUID(uuidString: input.path.keyId) else {
            throw APIProblem.invalidParameter("keyId", "must be a UUID")
        }
        guard try await keys.revokeTenantKey(keyID, of: tenant, actor: actor) != nil else {
            throw APIProblem.apiKeyNotFound(keyID)
        }
        return .noContent(.init())
    }
}

extension APIProblem {
    /// Also the answer for a key of another tenant or a platform key, which are not this tenant's.
    static func apiKeyNotFound(_ id: UUID) -> APIProblem {
        APIProblem(status: .notFound, code: "api_key_not_found", detail: "This tenant has no API key \(id.uuidString.lowercased()).")
    }
}

extension Components.Schemas.ApiKey {
    init(_ record: APIKeyRecord, tenant: TenantID) {
        self.init(
            id: record.id.uuidString.lowercased(),
            tenantId: tenant.description,
            label: record.label,
            createdAt: record.createdAt,
            lastUsedAt: record.lastUsedAt,
            revoked: record.isRevoked,
            revokedAt: record.revokedAt
        )
    }
}
