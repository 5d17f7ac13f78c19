import FolioAPI
import FolioDomain
import Foundation
import InvoicingService
import TenantRegistry

extension FolioAPIHandler {
    package func createTenantSession(_ input: Operations.CreateTenantSession.Input) async throws -> Operations.CreateTenantSession.Output {
        try requirePlatform()
        let tenant = try await existingTenant(input.path.tenantId)
        guard let sessions else { throw APIProblem.sessionsNotConfigured }
        var request: Components.Schemas.TenantSessionRequest?
        if case .json(let body) = input.body { request = body }
        let lifetime = request?.ttlSeconds ?? Int(SessionTokens.defaultLifetime.components.seconds)
        guard (1...Int(SessionTokens.maximumLifetime.components.seconds)).contains(lifetime) else {
            throw ValidationFailure(violations: [
                FieldViolation(pointer: "/ttlSeconds", code: "out_of_range", detail: "must be between 1 and 3600 seconds")
            ])
        }
        let requested = request?.components ?? Components.Schemas.SessionComponent.allCases
        let components = Set(requested.map(SessionComponent.init))
        guard !components.isEmpty else {
            throw ValidationFailure(violations: [FieldViolation(pointer: "/components", code: "too_few", detail: "must name at least one component")])
        }
        guard components.count == requested.count else {
            throw ValidationFailure(violations: [
                FieldViolation(pointer: "/components", code: "duplicate", detail: "must name each component at most once")
            ])
        }
        let minted = sessions.mint(tenant: tenant, components: components, lifetime: .seconds(lifetime))
        let script = (browserBaseURL ?? invoices.publicBaseURL).appendingPathComponent(String(WebAssets.bundled.versionedComponentsPath.dropFirst()))
        return .created(
            .init(
                body: .json(
                    .init(
                        token: minted.token,
                        tenantId: tenant.description,
                        components: SessionComponent.allCases.filter(components.contains).map(Components.Schemas.SessionComponent.init),
                        expiresAt: minted.session.expiresAt,
                        scriptUrl: script.absoluteString
                    ))))
    }
}

extension SessionComponent {
    init(_ component: Components.Schemas.SessionComponent) {
        switch component {
        case .enableInvoicing: self = .enableInvoicing
        case .invoiceList: self = .invoiceList
        case .invoice: self = .invoice
        }
    }
}

extension Components.Schemas.SessionComponent {
    init(_ component: SessionComponent) {
        switch component {
        case .enableInvoicing: self = .enableInvoicing
        case .invoiceList: self = .invoiceList
        case .invoice: self = .invoice
        }
    }
}
