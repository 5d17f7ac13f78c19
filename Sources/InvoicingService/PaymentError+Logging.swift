import Logging
import PaymentsPort

extension PaymentError {
    /// What a log line may say about the failure: the provider's code, HTTP status, request id
    /// and the names of the fields it refused.
    package var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["provider.cause": "\(cause)"]
        if let providerCode { metadata["provider.code"] = "\(providerCode)" }
        if let httpStatus { metadata["http.status"] = "\(httpStatus)" }
        if let requestID { metadata["provider.request_id"] = "\(requestID)" }
        if let operation = diagnostics?.operation { metadata["provider.operation"] = "\(operation)" }
        switch self {
        case .rejected(let fields, _) where !fields.isEmpty:
            metadata["provider.fields"] = "\(fields.map(\.name).joined(separator: ","))"
        case .rateLimited(let seconds?, _), .unavailable(let seconds?, _):
            metadata["retry_after_seconds"] = "\(seconds)"
        default:
            break
        }
        return metadata
    }
}
