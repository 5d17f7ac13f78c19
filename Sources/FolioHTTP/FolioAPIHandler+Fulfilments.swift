import FolioAPI
import FolioDomain
import Foundation
import InvoicingService

extension FolioAPIHandler {
    package func createFulfilment(_ input: Operations.CreateFulfilment.Input) async throws -> Operations.CreateFulfilment.Output {
        let tenant = try await existingTenant(input.path.tenantId)
        let invoiceID = try Self.invoiceID(input.path.invoiceId)
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        let request = FulfilmentRequest(
            lines: body.items?.map { FulfilmentRequest.Line(index: $0.line, quantity: $0.quantity) },
            documentNumber: body.documentNumber,
            documentDate: body.documentDate,
            final: body.final ?? false
        )
        let fulfilment = try await idempotent(
            tenant: tenant, key: input.headers.idempotencyKey, operation: "createFulfilment:\(invoiceID)", request: body, successStatus: 201
        ) { resuming in
            Components.Schemas.Fulfilment(
                try await invoices.fulfil(
                    tenant, invoiceID: invoiceID, request: request, idempotencyKey: input.headers.idempotencyKey, resuming: resuming
                ))
        }
        return .created(.init(body: .json(fulfilment)))
    }

    package func listFulfilments(_ input: Operations.ListFulfilments.Input) async throws -> Operations.ListFulfilments.Output {
        // The read itself answers 404 for a tenant that does not exist.
        let tenant = try reachableTenant(input.path.tenantId)
        let invoiceID = try Self.invoiceID(input.path.invoiceId)
        let fulfilments = try await invoices.fulfilments(tenant, invoiceID: invoiceID)
        return .ok(.init(body: .json(.init(items: fulfilments.map(Components.Schemas.Fulfilment.init)))))
    }
}

extension Components.Schemas.Fulfilment {
    init(_ fulfilment: Fulfilment) {
        self.init(
            id: fulfilment.id.uuidString.lowercased(),
            invoiceId: fulfilment.invoiceID.uuidString.lowercased(),
            status: .init(fulfilment.status),
            amount: fulfilment.amount,
            vatAmount: fulfilment.vatAmount,
            items: fulfilment.lines.map { .init(line: $0.line, sku: $0.sku, quantity: $0.quantity, amount: $0.amount, vatAmount: $0.vatAmount) },
            documentNumber: fulfilment.documentNumber,
            documentDate: fulfilment.documentDate,
            final: fulfilment.final,
            providerShipmentId: fulfilment.providerShipmentID,
            failureCode: fulfilment.failureCode,
            createdAt: fulfilment.createdAt
        )
    }
}

extension Components.Schemas.Fulfilment.StatusPayload {
    init(_ status: Fulfilment.Status) {
        switch status {
        case .pending: self = .pending
        case .created: self = .created
        case .completed: self = .completed
        case .canceled: self = .canceled
        case .failed: self = .failed
        }
    }
}
