/// Why a payment provider did not do what was asked, in terms every provider's adapter can map
/// its own failures to. Each case carries `ProviderDiagnostics` (the provider's code, HTTP status
/// and request id) so support can trace the call; none carries a token, a request body or the
/// provider's free-text message, which may quote the request.
package enum PaymentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The provider refused the request; `fields` names the fields it refused.
    case rejected(fields: [FieldError], ProviderDiagnostics)
    /// An order or refund with this host order id already exists at the provider.
    case duplicateOrderID(ProviderDiagnostics)
    /// The provider does not know the order, refund or activation code.
    case notFound(ProviderDiagnostics)
    /// The credentials used are refused, or have no right to what was asked.
    case unauthorized(ProviderDiagnostics)
    /// The provider's rate limit for these credentials is reached.
    case rateLimited(retryAfterSeconds: Int?, ProviderDiagnostics)
    /// The provider is failing or cannot be reached; nothing was done.
    case unavailable(retryAfterSeconds: Int?, ProviderDiagnostics)
    /// A write that may or may not have taken effect: it must be checked with a read before it
    /// is repeated.
    case outcomeUnknown(ProviderDiagnostics)
    /// The provider already holds an order (or refund) under this host order id, with other
    /// figures: it belongs to something else, and is not adopted.
    case existingOrderDiffers(orderID: String, ProviderDiagnostics)
    /// The request cannot be sent as it is (an empty basket, a figure out of range).
    case invalidRequest(reason: String)

    package struct FieldError: Equatable, Sendable {
        package let name: String
        package let code: String?

        package init(name: String, code: String?) {
            self.name = name
            self.code = code
        }
    }

    package var diagnostics: ProviderDiagnostics? {
        switch self {
        case .rejected(_, let diagnostics), .duplicateOrderID(let diagnostics), .notFound(let diagnostics),
            .unauthorized(let diagnostics), .rateLimited(_, let diagnostics), .unavailable(_, let diagnostics),
            .outcomeUnknown(let diagnostics), .existingOrderDiffers(_, let diagnostics):
            diagnostics
        case .invalidRequest:
            nil
        }
    }

    /// Whether the provider gave a definite no: the request was understood and refused.
    package var isRefusal: Bool {
        switch self {
        case .rejected, .duplicateOrderID, .notFound, .unauthorized: true
        default: false
        }
    }

    /// The provider's machine code for the refusal, when it sent one.
    package var providerCode: String? { diagnostics?.code }
    package var requestID: String? { diagnostics?.requestID }
    package var httpStatus: Int? { diagnostics?.httpStatus }

    /// A short, stable name of the failure, for metrics labels.
    package var cause: String {
        switch self {
        case .invalidRequest: "invalid_request"
        default: diagnostics?.cause ?? "unknown"
        }
    }

    package var description: String {
        switch self {
        case .invalidRequest(let reason):
            "the request cannot be sent to the payment provider: \(reason)"
        case .existingOrderDiffers(let orderID, let diagnostics):
            "the payment provider already holds order \(orderID) under this id, with other figures (\(diagnostics))"
        default:
            "the payment provider call failed (\(diagnostics.map(String.init(describing:)) ?? "no details"))"
        }
    }
}

/// What identifies a failed provider call for support: never a secret or a request's content.
package struct ProviderDiagnostics: Equatable, Sendable, CustomStringConvertible {
    /// The adapter's stable name for the failure (`rejected`, `timed_out`, `circuit_open`, …).
    package var cause: String
    /// The provider's machine code, when it sent one.
    package var code: String?
    /// The HTTP status the provider answered, when it answered.
    package var httpStatus: Int?
    /// The provider's request id, when there was a response.
    package var requestID: String?
    /// The operation that failed, when it matters for what happens next (`create order`).
    package var operation: String?

    package init(cause: String, code: String? = nil, httpStatus: Int? = nil, requestID: String? = nil, operation: String? = nil) {
        self.cause = cause
        self.code = code
        self.httpStatus = httpStatus
        self.requestID = requestID
        self.operation = operation
    }

    package var description: String {
        "cause \(cause), HTTP \(httpStatus.map(String.init) ?? "none"), code \(code ?? "none"), request id \(requestID ?? "none")"
            + (operation.map { ", operation \($0)" } ?? "")
    }
}
