import PaymentsPort

extension FakturowniaGatewayError {
    /// The neutral error this failure is to the rest of Folio (fakturownia-api.md §11). A field
    /// map keeps each field's text as the provider wrote it (often Polish), for the API to show
    /// next to the field; a refusal inside an HTTP 200 keeps its text the same way, as a refused
    /// field named `refusedAction`. No case carries the token or a request body: the gateway's
    /// texts are already cut free of the token, and `PaymentError` keeps field texts out of its
    /// description and the logs.
    ///
    /// `afterWrite` is set for a write that is never repeated blindly (a payment, a status
    /// change): an answer lost after it was sent (none, a 5xx, a body that is not JSON) may hide
    /// a write that happened, so it is `outcomeUnknown`, never `unavailable`, which promises
    /// nothing was done.
    package func paymentError(afterWrite: Bool = false, refusedAction: String = "action") -> PaymentError {
        let diagnostics = ProviderDiagnostics(cause: cause, httpStatus: httpStatus)
        switch self {
        case .unauthorized:
            return .unauthorized(diagnostics)
        case .notFound:
            return .notFound(diagnostics)
        case .validationFailed(let fields):
            return .rejected(
                fields: fields.map { field in
                    PaymentError.FieldError(
                        name: field.name, code: "invalid", message: field.messages.joined(separator: "; "), source: Self.draftField(of: field.name))
                }, diagnostics)
        case .refused(let status, _) where status == 403:
            return .unauthorized(diagnostics)
        case .refused:
            // A plain-text refusal names no field; its text may quote the request, so it stays out.
            return .rejected(fields: [], diagnostics)
        case .actionRefused(let message):
            return .rejected(fields: [PaymentError.FieldError(name: refusedAction, code: "action_refused", message: message)], diagnostics)
        case .rateLimited(let seconds):
            return .rateLimited(retryAfterSeconds: seconds, diagnostics)
        case .unavailable, .noAnswer, .malformedResponse, .responseTooLarge:
            var lost = diagnostics
            if case .noAnswer(let operation, _) = self { lost.operation = operation }
            return afterWrite ? .outcomeUnknown(lost) : .unavailable(retryAfterSeconds: nil, lost)
        case .outcomeUnknown(let operation):
            var unknown = diagnostics
            unknown.operation = operation
            return .outcomeUnknown(unknown)
        case .existingInvoiceDiffers(let invoiceID):
            return .existingOrderDiffers(orderID: String(invoiceID), diagnostics)
        case .partnerStatusNeeded:
            return .unauthorized(diagnostics)
        case .invalidRequest(let reason):
            return .invalidRequest(reason: reason)
        }
    }

    /// A stable name of the failure, for metrics and diagnostics.
    var cause: String {
        switch self {
        case .unauthorized: "unauthorized"
        case .notFound: "not_found"
        case .validationFailed: "rejected"
        case .refused: "refused"
        case .actionRefused: "action_refused"
        case .rateLimited: "rate_limited"
        case .unavailable: "unavailable"
        case .malformedResponse: "malformed_response"
        case .responseTooLarge: "response_too_large"
        case .noAnswer: "no_answer"
        case .outcomeUnknown: "outcome_unknown"
        case .partnerStatusNeeded: "partner_status_needed"
        case .existingInvoiceDiffers: "existing_order_differs"
        case .invalidRequest: "invalid_request"
        }
    }

    /// The part of an order draft an invoice field was built from (see
    /// `FakturowniaProvider.invoiceDraft`); positions are refused without their index, so they
    /// point at the totals.
    static func draftField(of name: String) -> PaymentError.DraftField? {
        switch name {
        case "buyer_name", "buyer_first_name", "buyer_last_name": .customer(.name)
        case "buyer_tax_no": .customer(.vatNumber)
        case "buyer_email": .customer(.email)
        case "buyer_company": .customer(.kind)
        case "currency": .currency
        case "payment_to", "payment_to_kind": .expiry
        case "description": .description
        case "lang": .language
        case _ where name.hasPrefix("positions"): .totals
        default: nil
        }
    }
}

/// Runs a gateway call and translates its failures into `PaymentError` at the adapter's edge.
func translatingFakturowniaErrors<T: Sendable>(
    afterWrite: Bool = false, refusedAction: String = "action", _ call: () async throws(FakturowniaGatewayError) -> T
) async throws(PaymentError) -> T {
    do {
        return try await call()
    } catch {
        throw error.paymentError(afterWrite: afterWrite, refusedAction: refusedAction)
    }
}
