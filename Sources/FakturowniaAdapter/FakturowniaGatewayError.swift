/// Why a call to Fakturownia failed: one case per answer shape of fakturownia-api.md §11, plus
/// the ways an answer can fail to arrive. No case carries a token, a URL or a request body; the
/// provider's own text (often Polish) is passed through as it came, with any token cut out.
package enum FakturowniaGatewayError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 401: a wrong token or an unknown account prefix.
    case unauthorized(message: String?)
    /// 404: an unknown id or path.
    case notFound(message: String?)
    /// 422 `{"code":"error","message":{"<field>":["<text>", …]}}`.
    case validationFailed(fields: [FieldError])
    /// A 4xx other than the above, or a 422 whose `message` is a plain string.
    case refused(status: Int, message: String?)
    /// HTTP 200 `{"status":"error","message":…}`: the provider answered OK and did nothing
    /// (`send_by_email` before a KSeF number exists).
    case actionRefused(message: String?)
    /// 429, after the retries a read may make; writes are not retried.
    case rateLimited(retryAfterSeconds: Int?)
    /// A 5xx that retries did not cure, or that answered a write the provider did not do.
    case unavailable(status: Int)
    /// An answer that is not the JSON the reference describes (an HTML maintenance page).
    case malformedResponse(reason: String, status: Int)
    /// An answer over the size cap.
    case responseTooLarge(limit: Int)
    /// No answer: the connection failed or the request timed out (after retries, for a read).
    case noAnswer(operation: String, reason: String)
    /// A write whose answer was lost and whose effect could not be checked afterwards: it may or
    /// may not have happened, and must be looked up before it is repeated.
    case outcomeUnknown(operation: String)
    /// `POST /account.json` opened the account but answered no `api_token`: the partner account
    /// needs the vendor's integration code (partner status, §3).
    case partnerStatusNeeded(prefix: String?)
    /// An invoice with this `oid` already exists with other figures; it belongs to something else
    /// and is not adopted.
    case existingInvoiceDiffers(invoiceID: Int64)
    /// The request was refused before it was sent (a page size over 100, an empty invoice).
    case invalidRequest(reason: String)

    package struct FieldError: Equatable, Sendable {
        package let name: String
        /// The provider's texts for this field, as sent (e.g. "zostało już zajęte").
        package let messages: [String]

        package init(name: String, messages: [String]) {
            self.name = name
            self.messages = messages
        }
    }

    /// The HTTP status the provider answered, when it answered.
    package var httpStatus: Int? {
        switch self {
        case .unauthorized: 401
        case .notFound: 404
        case .validationFailed: 422
        case .refused(let status, _), .unavailable(let status), .malformedResponse(_, let status): status
        case .actionRefused: 200
        case .rateLimited: 429
        case .responseTooLarge, .noAnswer, .outcomeUnknown, .partnerStatusNeeded, .existingInvoiceDiffers, .invalidRequest: nil
        }
    }

    /// Whether the provider said something about one field, e.g. `oid`.
    package func concerns(field: String) -> Bool {
        guard case .validationFailed(let fields) = self else { return false }
        return fields.contains { $0.name == field }
    }

    package var description: String {
        switch self {
        case .unauthorized(let message):
            "Fakturownia refused the credentials (HTTP 401, \(message ?? "no message"))"
        case .notFound(let message):
            "Fakturownia has no such resource (HTTP 404, \(message ?? "no message"))"
        case .validationFailed(let fields):
            "Fakturownia refused the fields: "
                + fields.map { "\($0.name): \($0.messages.joined(separator: "; "))" }.joined(separator: ", ")
        case .refused(let status, let message):
            "Fakturownia refused the request (HTTP \(status), \(message ?? "no message"))"
        case .actionRefused(let message):
            "Fakturownia answered OK but did not act (\(message ?? "no message"))"
        case .rateLimited(let seconds):
            "Fakturownia rate limit reached (retry after \(seconds.map { "\($0) s" } ?? "unknown"))"
        case .unavailable(let status):
            "Fakturownia unavailable (HTTP \(status))"
        case .malformedResponse(let reason, let status):
            "Fakturownia sent an unexpected answer (HTTP \(status), \(reason))"
        case .responseTooLarge(let limit):
            "Fakturownia sent an answer over \(limit) bytes"
        case .noAnswer(let operation, let reason):
            "no answer from Fakturownia to \(operation): \(reason)"
        case .outcomeUnknown(let operation):
            "the outcome of \(operation) at Fakturownia is unknown"
        case .partnerStatusNeeded(let prefix):
            "Fakturownia opened account \(prefix ?? "(unnamed)") but answered no API token: partner status (an integration code) is needed"
        case .existingInvoiceDiffers(let id):
            "Fakturownia already holds invoice \(id) under this oid, with other figures"
        case .invalidRequest(let reason):
            "request not sent to Fakturownia: \(reason)"
        }
    }
}
