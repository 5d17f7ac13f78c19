import FolioAPI
import FolioDomain
import Foundation
import HTTPTypes
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
        await tenants.prepareSchema(of: id)
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
        await tenants.prepareSchema(of: id)
        return .ok(.init(body: .json(.init(state, notificationURL: invoices.notificationURL(of: id)))))
    }

    /// The tenant of the path, if the caller may reach it and it exists.
    func existingTenant(_ raw: String) async throws -> TenantID {
        let id = try reachableTenant(raw)
        guard try await tenants.tenant(id) != nil else { throw APIProblem.tenantNotFound(id.description) }
        return id
    }

    /// `existingTenant` for a request whose own unit of work looks the tenant up again, and
    /// answers 404 if it is gone: a tenant whose schema the directory remembers costs no round trip
    /// here. One another replica deleted while this one still remembers it passes this check, and
    /// the unit of work then finds it missing (a body that fails validation is then answered 422
    /// rather than 404).
    func knownTenant(_ raw: String) async throws -> TenantID {
        let id = try reachableTenant(raw)
        guard try await tenants.isRegistered(id) else { throw APIProblem.tenantNotFound(id.description) }
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
            notificationUrl: state.provider == .invoicebox ? notificationURL.absoluteString : nil,
            invitedEmail: state.invitedEmail,
            invitedAt: state.invitedAt,
            merchantId: state.merchantID,
            activatedAt: state.activatedAt,
            tokenLastFour: state.tokenLastFour,
            hasNotificationKey: state.hasNotificationKey,
            notificationKeyAlgorithm: state.notificationKeyAlgorithm.map(Components.Schemas.NotificationKeyAlgorithm.init),
            previousNotificationKeyValidUntil: state.previousNotificationKeyValidUntil,
            activationOutcomeUnknownAt: state.activationOutcomeUnknownAt,
            provider: state.stage == .disabled ? nil : .init(rawValue: state.provider.rawValue),
            capabilities: state.stage == .active
                ? state.capabilities.names.compactMap(Components.Schemas.InvoicingState.CapabilitiesPayloadPayload.init(rawValue:)) : nil,
            fakturownia: state.provider == .fakturownia && state.stage == .active
                ? .init(
                    prefix: state.merchantID ?? "", accountUrl: state.accountURL?.absoluteString ?? "", webhooks: state.webhookCount,
                    loginUrl: state.fastLogin ? state.accountURL?.absoluteString : nil) : nil
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

extension FolioAPIHandler {
    package func openInvoicingAccount(_ input: Operations.OpenInvoicingAccount.Input) async throws -> Operations.OpenInvoicingAccount.Output {
        let id = try await existingTenant(input.path.tenantId)
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        guard let account = body.fakturownia else {
            throw ValidationFailure(violations: [FieldViolation(pointer: "/fakturownia", code: "required", detail: "the account to open")])
        }
        var violations: [FieldViolation?] = [
            Self.checkAccountPrefix(account.prefix, pointer: "/fakturownia/prefix"),
            FieldViolation.checkEmail(account.email, pointer: "/fakturownia/email"),
        ]
        if let company = account.company {
            violations += FieldViolation.checkText(company.name, pointer: "/fakturownia/company/name", lengths: 1...200).map(Optional.some)
            for (value, field) in [(company.taxNumber, "taxNumber"), (company.street, "street"), (company.postalCode, "postalCode"), (company.city, "city")] {
                if let value { violations += FieldViolation.checkText(value, pointer: "/fakturownia/company/\(field)", lengths: 1...200).map(Optional.some) }
            }
        }
        try Self.validate(violations)
        let opening = InvoicingSetup.AccountOpening(
            provider: .fakturownia, name: account.prefix, email: account.email, language: account.language?.rawValue ?? "pl",
            company: account.company.map {
                NewProviderAccount.Company(name: $0.name, taxNumber: $0.taxNumber, street: $0.street, postalCode: $0.postalCode, city: $0.city)
            })
        let state = try await idempotent(
            tenant: id, key: input.headers.idempotencyKey, operation: "openInvoicingAccount", request: body, successStatus: 200
        ) { _ in
            Components.Schemas.InvoicingState(try await invoicing.openAccount(id, opening, actor: actor), notificationURL: invoices.notificationURL(of: id))
        }
        await tenants.prepareSchema(of: id)
        return .ok(.init(body: .json(state)))
    }

    package func connectInvoicingAccount(_ input: Operations.ConnectInvoicingAccount.Input) async throws -> Operations.ConnectInvoicingAccount.Output {
        let id = try await existingTenant(input.path.tenantId)
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        guard let account = body.fakturownia else {
            throw ValidationFailure(violations: [FieldViolation(pointer: "/fakturownia", code: "required", detail: "the account to connect")])
        }
        try Self.validate([
            Self.checkAccountPrefix(account.prefix, pointer: "/fakturownia/prefix"),
            FieldViolation.checkToken(account.apiToken.revealed, pointer: "/fakturownia/apiToken", lengths: 8...512),
        ])
        do {
            let state = try await invoicing.connectAccount(id, provider: .fakturownia, accountName: account.prefix, token: account.apiToken, actor: actor)
            await tenants.prepareSchema(of: id)
            return .ok(.init(body: .json(.init(state, notificationURL: invoices.notificationURL(of: id)))))
        } catch InvoicingError.credentialsRejected {
            throw APIProblem(
                status: .unprocessableContent, code: "invalid_credentials",
                detail: "The provider did not accept the token for this account; nothing was stored.",
                fieldErrors: [APIProblem.FieldError(pointer: "/fakturownia/apiToken", code: "rejected", detail: "not accepted by the provider")]
            )
        }
    }

    /// A Fakturownia prefix: the first label of a host name, 3 to 40 lowercase letters, digits and
    /// inner hyphens, so that it can only ever name an account on the configured brand's domain.
    static func checkAccountPrefix(_ prefix: String, pointer: String) -> FieldViolation? {
        let allowed = prefix.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
        guard (3...40).contains(prefix.count), allowed, !prefix.hasPrefix("-"), !prefix.hasSuffix("-") else {
            return FieldViolation(pointer: pointer, code: "invalid_format", detail: "must be 3 to 40 lowercase letters, digits and inner hyphens")
        }
        return nil
    }
}
