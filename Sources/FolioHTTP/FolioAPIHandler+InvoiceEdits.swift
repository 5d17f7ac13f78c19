import FolioAPI
import FolioDomain
import Foundation
import InvoicingService
import PaymentsPort

extension FolioAPIHandler {
    package func updateInvoice(_ input: Operations.UpdateInvoice.Input) async throws -> Operations.UpdateInvoice.Output {
        let tenant = try await existingTenant(input.path.tenantId)
        let id = try Self.invoiceID(input.path.invoiceId)
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        let invoice = try await idempotent(
            tenant: tenant, key: input.headers.idempotencyKey, operation: "updateInvoice:\(id)", request: body, successStatus: 200
        ) { resuming in
            Components.Schemas.Invoice(
                try await invoices.edit(
                    tenant, id: id, changes: try InvoiceEdit(body), idempotencyKey: input.headers.idempotencyKey, resuming: resuming
                ))
        }
        return .ok(.init(body: .json(invoice)))
    }
}

extension InvoiceEdit {
    /// The body in Folio's types. A VAT code Folio does not know is a field error; every other
    /// rule is judged on the edited invoice as a whole.
    init(_ body: Components.Schemas.UpdateInvoiceRequest) throws(ValidationFailure) {
        let vatCodes = body.items?.map { VATCode(rawValue: $0.vatCode) } ?? []
        let unknown = vatCodes.enumerated().filter { $0.element == nil }.map { index, _ in
            FieldViolation(
                pointer: "/items/\(index)/vatCode", code: "unsupported",
                detail: "must be one of \(VATCode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard unknown.isEmpty else { throw ValidationFailure(violations: unknown) }
        self.init(
            description: body.description,
            customer: body.customer.map(OrderCustomer.init),
            items: body.items.map { items in zip(items, vatCodes).map { InvoiceRequest.Item($0, vatCode: $1 ?? .none) } },
            reservation: body.reservation.map(InvoiceRequest.Reservation.init),
            expiresAt: body.expiresAt,
            successURL: body.successUrl,
            failURL: body.failUrl,
            returnURL: body.returnUrl
        )
    }
}

extension OrderCustomer {
    init(_ body: Components.Schemas.InvoiceCustomer) {
        self.init(
            kind: body._type == .legal ? .legal : .private, name: body.name, phone: body.phone, email: body.email,
            vatNumber: body.vatNumber, taxRegistrationReasonCode: body.taxRegistrationReasonCode,
            registrationAddress: body.registrationAddress
        )
    }
}

extension InvoiceRequest.Item {
    init(_ item: Components.Schemas.InvoiceItemRequest, vatCode: VATCode) {
        self.init(
            sku: item.sku, name: item.name, quantity: item.quantity, unitPrice: item.unitPrice, vatCode: vatCode,
            measure: item.measure, measureCode: item.measureCode, itemType: item.itemType,
            paymentType: item.paymentType?.rawValue, serviceDate: item.serviceDate
        )
    }
}

extension InvoiceRequest.Reservation {
    init(_ details: Components.Schemas.ReservationDetails) {
        self.init(
            propertyName: details.propertyName, streetAddress: details.streetAddress, locality: details.locality,
            region: details.region, postalCode: details.postalCode, country: details.country,
            guestName: details.guestName, checkIn: details.checkIn, checkOut: details.checkOut
        )
    }
}
