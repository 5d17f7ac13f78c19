import FolioAPI
import FolioDomain
import Foundation
import InvoicingService
import PaymentsPort
import TenantRegistry

extension FolioAPIHandler {
    package func getInvoicing(_ input: Operations.GetInvoicing.Input) async throws -> Operations.GetInvoicing.Output {
        let id = try await existingTenant(input.path.tenantId)
        return .ok(.init(body: .json(.init(try await invoicing.state(of: id), notificationURL: invoices.notificationURL(of: id)))))
    }

    package func disableInvoicing(_ input: Operations.DisableInvoicing.Input) async throws -> Operations.DisableInvoicing.Output {
        let id = try await existingTenant(input.path.tenantId)
        _ = try await invoicing.disable(id, actor: actor)
        return .ok(.init(body: .json(.init(.disabled, notificationURL: invoices.notificationURL(of: id)))))
    }

    package func inviteForInvoicing(_ input: Operations.InviteForInvoicing.Input) async throws -> Operations.InviteForInvoicing.Output {
        let id = try await existingTenant(input.path.tenantId)
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        let state = try await idempotent(
            tenant: id, key: input.headers.idempotencyKey, operation: "inviteForInvoicing", request: body, successStatus: 200
        ) { _ in
            try Self.validate([FieldViolation.checkEmail(body.email, pointer: "/email")])
            return Components.Schemas.InvoicingState(try await invoicing.invite(id, email: body.email), notificationURL: invoices.notificationURL(of: id))
        }
        return .ok(.init(body: .json(state)))
    }

    package func activateInvoicing(_ input: Operations.ActivateInvoicing.Input) async throws -> Operations.ActivateInvoicing.Output {
        let id = try await existingTenant(input.path.tenantId)
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        let state = try await idempotent(
            tenant: id, key: input.headers.idempotencyKey, operation: "activateInvoicing", request: body, successStatus: 200
        ) { _ in
            try Self.validate([FieldViolation.checkToken(body.activationCode, pointer: "/activationCode", lengths: 1...36)])
            return Components.Schemas.InvoicingState(
                try await invoicing.activate(id, code: body.activationCode, actor: actor), notificationURL: invoices.notificationURL(of: id))
        }
        return .ok(.init(body: .json(state)))
    }

    package func putInvoicingCredentials(_ input: Operations.PutInvoicingCredentials.Input) async throws -> Operations.PutInvoicingCredentials.Output {
        let id = try await existingTenant(input.path.tenantId)
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        var violations: [FieldViolation?] = [
            UUID(uuidString: body.merchantId) == nil || body.merchantId.count != 36
                ? FieldViolation(pointer: "/merchantId", code: "invalid_format", detail: "must be the shop's UUID") : nil,
            FieldViolation.checkToken(body.token.revealed, pointer: "/token", lengths: 8...512),
        ]
        if let key = body.notificationKey {
            violations.append(FieldViolation.checkToken(key.revealed, pointer: "/notificationKey", lengths: 1...256))
        }
        let algorithm = Self.notificationKeyAlgorithm(body.notificationKeyAlgorithm, pointer: "/notificationKeyAlgorithm")
        violations.append(algorithm.violation)
        try Self.validate(violations)
        let state = try await invoicing.connect(
            id, merchantID: body.merchantId.lowercased(), token: body.token,
            notificationKey: body.notificationKey.map { NotificationKey(secret: $0, algorithm: algorithm.value) },
            apiVariant: body.apiPrefix?.rawValue, actor: actor
        )
        return .ok(.init(body: .json(.init(state, notificationURL: invoices.notificationURL(of: id)))))
    }

    /// The tenant of the path, if the caller may reach it and it exists.
    func existingTenant(_ raw: String) async throws -> TenantID {
        let id = try reachableTenant(raw)
        guard try await tenants.tenant(id) != nil else { throw APIProblem.tenantNotFound(id.description) }
        return id
    }

    static func validate(_ violations: [FieldViolation?]) throws {
        let found = violations.compactMap { $0 }
        guard found.isEmpty else { throw ValidationFailure(violations: found) }
    }
}

extension Components.Schemas.InvoicingState {
    init(_ state: InvoicingState, notificationURL: URL) {
        self.init(
            state: .init(state.stage),
            notificationUrl: notificationURL.absoluteString,
            invitedEmail: state.invitedEmail,
            invitedAt: state.invitedAt,
            merchantId: state.merchantID,
            activatedAt: state.activatedAt,
            tokenLastFour: state.tokenLastFour,
            hasNotificationKey: state.hasNotificationKey,
            notificationKeyAlgorithm: state.notificationKeyAlgorithm.map(Components.Schemas.NotificationKeyAlgorithm.init),
            previousNotificationKeyValidUntil: state.previousNotificationKeyValidUntil,
            activationOutcomeUnknownAt: state.activationOutcomeUnknownAt
        )
    }
}

extension Components.Schemas.NotificationKeyAlgorithm {
    init(_ algorithm: NotificationKey.Algorithm) {
        switch algorithm {
        case .sha1: self = .sha1
        case .sha256: self = .sha256
        case .sha512: self = .sha512
        }
    }
}

extension Components.Schemas.InvoicingState.StatePayload {
    init(_ stage: InvoicingState.Stage) {
        switch stage {
        case .disabled: self = .disabled
        case .invited: self = .invited
        case .active: self = .active
        }
    }
}
