import PaymentsPort

extension InvoiceboxError {
    /// The neutral error an activation's failure is. An activation that never left Folio (no
    /// connection could be made, or its time ran out before it was sent: for a write the
    /// transport reports `transport` and `timedOut` only then) cannot have used the code, so it is
    /// `unavailable` and may simply be tried again; every other unanswered activation keeps its
    /// unknown outcome, since the code may have become a shop whose token never arrived.
    var activationPaymentError: PaymentError {
        switch self {
        case .transport, .timedOut:
            return .unavailable(retryAfterSeconds: nil, ProviderDiagnostics(cause: cause, code: providerCode, httpStatus: httpStatus, requestID: requestID))
        default:
            return paymentError
        }
    }
}
