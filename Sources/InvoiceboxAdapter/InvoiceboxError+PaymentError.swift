import PaymentsPort

extension InvoiceboxError {
    /// The neutral error this failure is to the rest of Folio. Invoicebox's own codes are read
    /// here and nowhere else: `merchant_order_id_duplicate` is a duplicate order id, 401 and 403
    /// refuse the credentials, 404 knows nothing of the order.
    package var paymentError: PaymentError { paymentError(orderFields: false) }

    /// The neutral error; with `orderFields`, the refused fields of a create-order call also name
    /// the part of the draft they were built from.
    package func paymentError(orderFields: Bool) -> PaymentError {
        var diagnostics = ProviderDiagnostics(cause: cause, code: providerCode, httpStatus: httpStatus, requestID: requestID)
        switch self {
        case .rejected(let status, let code, _, let fields, _):
            if code == "merchant_order_id_duplicate" { return .duplicateOrderID(diagnostics) }
            if status == 401 || status == 403 { return .unauthorized(diagnostics) }
            if status == 404 { return .notFound(diagnostics) }
            let refused = fields.map {
                PaymentError.FieldError(
                    name: $0.name, code: $0.code, message: $0.message, source: orderFields ? Self.draftField(ofOrderField: $0.name) : nil)
            }
            return .rejected(fields: refused, diagnostics)
        case .rateLimited(let seconds, _):
            return .rateLimited(retryAfterSeconds: seconds, diagnostics)
        case .circuitOpen(let seconds):
            return .unavailable(retryAfterSeconds: seconds, diagnostics)
        case .unavailable:
            return .unavailable(retryAfterSeconds: nil, diagnostics)
        case .outcomeUnknown(let operation, _), .timedOut(let operation):
            diagnostics.operation = operation
            return .outcomeUnknown(diagnostics)
        case .malformedResponse, .responseTooLarge, .transport:
            return .outcomeUnknown(diagnostics)
        case .existingOrderDiffers(let orderID, _):
            return .existingOrderDiffers(orderID: orderID, diagnostics)
        case .invalidBasket(let reason):
            return .invalidRequest(reason: reason)
        }
    }
}

/// Runs a call of the adapter and translates its Invoicebox failures into `PaymentError` at
/// the edge, so nothing past the adapter sees Invoicebox's wire errors.
func translatingErrors<T: Sendable>(orderFields: Bool = false, _ call: () async throws -> T) async throws -> T {
    do {
        return try await call()
    } catch let error as InvoiceboxError {
        throw error.paymentError(orderFields: orderFields)
    }
}
