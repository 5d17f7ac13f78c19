/// Why a call to Invoicebox failed. Every case carries the provider's `X-Request-Id` when there
/// was a response, so support can trace it; none carries a token or a request body.
package enum InvoiceboxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The provider answered with an error object (`error.code` as documented, e.g.
    /// `wrong_total_amount`, `merchant_order_id_duplicate`, `unauthorized`).
    case rejected(status: Int, code: String?, message: String?, fields: [FieldError], requestID: String?)
    /// 429, after the retries a read may make; writes are never retried blindly.
    case rateLimited(retryAfterSeconds: Int?, requestID: String?)
    /// A 5xx (or 408/425/503) that retries did not cure.
    case unavailable(status: Int, requestID: String?)
    /// A write whose outcome is unknown (timeout, lost connection, 5xx): it may or may not have
    /// taken effect, and must be checked with a read before it is repeated.
    case outcomeUnknown(operation: String, requestID: String?)
    /// The time budget of the call ran out.
    case timedOut(operation: String)
    /// The circuit breaker for this base URL is open; the provider is failing.
    case circuitOpen(retryAfterSeconds: Int)
    /// A response that is not the JSON the contract promises.
    case malformedResponse(reason: String, status: Int, requestID: String?)
    /// A response over the size cap.
    case responseTooLarge(limit: Int, requestID: String?)
    /// The connection could not be made or broke before a response.
    case transport(reason: String)
    /// An order (or refund) with this `merchantOrderId` already exists, for another amount or
    /// currency: it belongs to something else, and is not adopted.
    case existingOrderDiffers(orderID: String, requestID: String?)
    /// The request cannot be priced (empty basket, a quantity or price out of range).
    case invalidBasket(String)

    package struct FieldError: Equatable, Sendable {
        package let name: String
        package let code: String?
        package let message: String?
    }

    package var requestID: String? {
        switch self {
        case .rejected(_, _, _, _, let id), .rateLimited(_, let id), .unavailable(_, let id), .outcomeUnknown(_, let id),
            .malformedResponse(_, _, let id), .responseTooLarge(_, let id), .existingOrderDiffers(_, let id):
            id
        case .timedOut, .circuitOpen, .transport, .invalidBasket:
            nil
        }
    }

    /// The provider's machine code, for mapping to Folio's own codes.
    package var providerCode: String? {
        if case .rejected(_, let code, _, _, _) = self { return code }
        return nil
    }

    package var description: String {
        switch self {
        case .rejected(let status, let code, let message, let fields, let id):
            "Invoicebox refused the request (HTTP \(status), code \(code ?? "none"), \(message ?? "no message")"
                + (fields.isEmpty ? "" : ", fields \(fields.map(\.name).joined(separator: ", "))") + ", request id \(id ?? "none"))"
        case .rateLimited(let retryAfter, let id):
            "Invoicebox rate limit reached (retry after \(retryAfter.map { "\($0) s" } ?? "unknown"), request id \(id ?? "none"))"
        case .unavailable(let status, let id):
            "Invoicebox unavailable (HTTP \(status), request id \(id ?? "none"))"
        case .outcomeUnknown(let operation, let id):
            "the outcome of \(operation) at Invoicebox is unknown (request id \(id ?? "none"))"
        case .timedOut(let operation):
            "\(operation) at Invoicebox timed out"
        case .circuitOpen(let seconds):
            "Invoicebox is failing; calls are paused for \(seconds) s"
        case .malformedResponse(let reason, let status, let id):
            "Invoicebox sent an unexpected response (HTTP \(status), \(reason), request id \(id ?? "none"))"
        case .responseTooLarge(let limit, let id):
            "Invoicebox sent a response over \(limit) bytes (request id \(id ?? "none"))"
        case .transport(let reason):
            "cannot reach Invoicebox: \(reason)"
        case .existingOrderDiffers(let orderID, let id):
            "Invoicebox already holds order \(orderID) under this merchantOrderId, with other figures (request id \(id ?? "none"))"
        case .invalidBasket(let reason):
            "the basket cannot be priced: \(reason)"
        }
    }
}
