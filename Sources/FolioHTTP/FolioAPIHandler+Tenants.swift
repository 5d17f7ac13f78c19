import FolioAPI
import FolioDomain
import Foundation
import TenantRegistry

extension FolioAPIHandler {
    package func createTenant(_ input: Operations.CreateTenant.Input) async throws -> Operations.CreateTenant.Output {
        try requirePlatform()
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        let registration = try TenantRegistration(externalID: body.externalId, displayName: body.displayName)
        let (tenant, created) = try await tenants.register(registration)
        let representation = Components.Schemas.Tenant(tenant)
        return created ? .created(.init(body: .json(representation))) : .ok(.init(body: .json(representation)))
    }

    package func listTenants(_ input: Operations.ListTenants.Input) async throws -> Operations.ListTenants.Output {
        try requirePlatform()
        let limit = input.query.limit ?? 20
        guard (1...100).contains(limit) else {
            throw APIProblem.invalidParameter("limit", "must be between 1 and 100")
        }
        let page = try await tenants.list(limit: limit, after: input.query.cursor)
        return .ok(.init(body: .json(.init(items: page.tenants.map(Components.Schemas.Tenant.init), nextCursor: page.nextCursor))))
    }

    package func getTenant(_ input: Operations.GetTenant.Input) async throws -> Operations.GetTenant.Output {
        let id = try reachableTenant(input.path.tenantId)
        guard let tenant = try await tenants.tenant(id) else { throw APIProblem.tenantNotFound(id.description) }
        return .ok(.init(body: .json(.init(tenant))))
    }

    package func deleteTenant(_ input: Operations.DeleteTenant.Input) async throws -> Operations.DeleteTenant.Output {
        let id = try reachableTenant(input.path.tenantId)
        try requirePlatform()
        guard try await tenants.delete(id, actor: actor) else { throw APIProblem.tenantNotFound(id.description) }
        return .noContent(.init())
    }
}

extension Components.Schemas.Tenant {
    init(_ tenant: Tenant) {
        self.init(id: tenant.id.description, externalId: tenant.externalID, displayName: tenant.displayName, createdAt: tenant.createdAt)
    }
}
