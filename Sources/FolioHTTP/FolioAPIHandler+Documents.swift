import FolioAPI
import FolioDomain
import Foundation
import HTTPTypes
import InvoicingService
import PaymentsPort

extension FolioAPIHandler {
    package func sendInvoice(_ input: Operations.SendInvoice.Input) async throws -> Operations.SendInvoice.Output {
        let tenant = try await existingTenant(input.path.tenantId)
        let id = try Self.invoiceID(input.path.invoiceId)
        var recipients: [String] = []
        var attachPDF = false
        var violations: [FieldViolation?] = []
        if case .json(let body) = input.body {
            recipients = body.to ?? []
            attachPDF = body.attachPdf ?? false
            if recipients.count > 5 {
                violations.append(FieldViolation(pointer: "/to", code: "too_long", detail: "at most 5 addresses"))
            }
            for (index, address) in recipients.enumerated() {
                violations.append(FieldViolation.checkEmail(address, pointer: "/to/\(index)"))
            }
        }
        try Self.validate(violations)
        return .ok(.init(body: .json(.init(try await invoices.sendDocument(tenant, id: id, to: recipients, attachPDF: attachPDF)))))
    }

    package func recordInvoicePayment(_ input: Operations.RecordInvoicePayment.Input) async throws -> Operations.RecordInvoicePayment.Output {
        let tenant = try await existingTenant(input.path.tenantId)
        let id = try Self.invoiceID(input.path.invoiceId)
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        var violations: [FieldViolation?] = []
        if body.amount < 1 || body.amount > MinorUnits.largestInvoiceTotal {
            violations.append(FieldViolation(pointer: "/amount", code: "out_of_range", detail: "must be between 1 and the invoice's amount"))
        }
        if let method = body.method {
            violations += FieldViolation.checkText(method, pointer: "/method", lengths: 1...100).map(Optional.some)
        }
        let now = Date()
        if let paidAt = body.paidAt, paidAt > now.addingTimeInterval(300) {
            violations.append(FieldViolation(pointer: "/paidAt", code: "in_future", detail: "must not be in the future"))
        }
        try Self.validate(violations)
        let invoice = try await idempotent(
            tenant: tenant, key: input.headers.idempotencyKey, operation: "recordInvoicePayment:\(id)", request: body, successStatus: 200
        ) { _ in
            do {
                return Components.Schemas.Invoice(
                    try await invoices.recordPayment(tenant, id: id, amount: MinorUnits(body.amount), paidAt: body.paidAt ?? now, method: body.method))
            } catch let error as PaymentError {
                guard case .outcomeUnknown = error else { throw error }
                throw Self.paymentOutcomeUnknown(error)
            }
        }
        return .ok(.init(body: .json(invoice)))
    }

    /// A payment whose answer was lost may be recorded: 502, kept for the `Idempotency-Key` like
    /// any final answer, so that a retry under the key does not record the payment a second time.
    /// Only a sync shows whether it landed.
    static func paymentOutcomeUnknown(_ error: PaymentError) -> APIProblem {
        var problem = APIProblem(
            status: .badGateway, code: "payment_outcome_unknown",
            detail: "The provider's answer to the payment was lost, so it may be recorded; sync the invoice before recording it again.")
        problem.providerRequestID = error.requestID
        return problem
    }
}
