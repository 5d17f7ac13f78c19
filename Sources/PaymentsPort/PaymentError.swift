/// Why a payment provider did not do what was asked, in terms every provider's adapter can map
/// its own failures to. Each case carries `ProviderDiagnostics` (the provider's code, HTTP status
/// and request id) so support can trace the call; none carries a token, a request body or the
/// provider's free-text message, which may quote the request. A refused field keeps the
/// provider's words about that field, for the caller to show, and they stay out of
/// `description` and the logs.
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

    /// One field the provider refused. `message` is the provider's text about that field, for the
    /// host to show next to it; it is never logged, since it may quote what was sent.
    package struct FieldError: Equatable, Sendable {
        /// The provider's own name or path of the field (`basketItems[0].totalAmount`).
        package let name: String
        package let code: String?
        package let message: String?
        /// The part of the order draft the field was built from, when the adapter knows it.
        package let source: DraftField?

        package init(name: String, code: String?, message: String? = nil, source: DraftField? = nil) {
            self.name = name
            self.code = code
            self.message = message
            self.source = source
        }
    }

    /// A part of an `OrderDraft`, so that a refusal can point at what the host sent.
    package enum DraftField: Equatable, Sendable {
        /// A figure or attribute of `lines[index]`.
        case line(index: Int, LineAttribute)
        /// An attribute of the customer.
        case customer(CustomerAttribute)
        /// The order's totals, which come from every line.
        case totals
        case description, currency, language, expiry

        package enum LineAttribute: String, Sendable {
            case sku, name, quantity, unitPrice, vatCode, measure, measureCode, itemType, paymentType, serviceDate
        }

        package enum CustomerAttribute: String, Sendable {
            case kind, name, phone, email, vatNumber, taxRegistrationReasonCode, registrationAddress
        }
    }

    /// Whether the provider refused the content of the request and named the fields at fault, so
    /// the caller can correct them and try again.
    package var isFieldRefusal: Bool {
        if case .rejected(let fields, _) = self { return !fields.isEmpty }
        return false
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
