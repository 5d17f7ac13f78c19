extension InvoiceboxError {
    /// A short, stable name of the failure, for metrics labels (carried out of the adapter as
    /// `ProviderDiagnostics.cause`).
    package var cause: String {
        switch self {
        case .rejected: "rejected"
        case .rateLimited: "rate_limited"
        case .unavailable: "unavailable"
        case .outcomeUnknown: "outcome_unknown"
        case .timedOut: "timed_out"
        case .circuitOpen: "circuit_open"
        case .malformedResponse: "malformed_response"
        case .responseTooLarge: "response_too_large"
        case .transport: "transport"
        case .existingOrderDiffers: "existing_order_differs"
        case .invalidBasket: "invalid_basket"
        }
    }

    /// The HTTP status the provider answered, when it answered.
    package var httpStatus: Int? {
        switch self {
        case .rejected(let status, _, _, _, _), .unavailable(let status, _), .malformedResponse(_, let status, _):
            status
        case .rateLimited:
            429
        case .outcomeUnknown, .timedOut, .circuitOpen, .responseTooLarge, .transport, .existingOrderDiffers, .invalidBasket:
            nil
        }
    }
}
