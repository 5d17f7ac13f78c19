import Logging

extension InvoiceboxError {
    /// A short, stable name of the failure, for metrics labels.
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

    /// What a log line may say about the failure: the provider's code, HTTP status, request id
    /// and the names of the fields it refused. Never its free-text message, which may quote the
    /// request, and never a token, which no case carries.
    package var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["provider.cause": "\(cause)"]
        if let providerCode { metadata["provider.code"] = "\(providerCode)" }
        if let httpStatus { metadata["http.status"] = "\(httpStatus)" }
        if let requestID { metadata["provider.request_id"] = "\(requestID)" }
        switch self {
        case .rejected(_, _, _, let fields, _) where !fields.isEmpty:
            metadata["provider.fields"] = "\(fields.map(\.name).joined(separator: ","))"
        case .outcomeUnknown(let operation, _), .timedOut(let operation):
            metadata["provider.operation"] = "\(operation)"
        case .rateLimited(let seconds?, _):
            metadata["retry_after_seconds"] = "\(seconds)"
        case .circuitOpen(let seconds):
            metadata["retry_after_seconds"] = "\(seconds)"
        default:
            break
        }
        return metadata
    }
}
