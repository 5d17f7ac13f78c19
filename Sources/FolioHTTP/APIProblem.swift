import FolioDomain
import Foundation
import HTTPTypes

/// An error answer of the REST API: an RFC 9457 problem with a stable machine `code`.
///
/// Handlers and middleware throw it; `ProblemMiddleware` renders it. Its `detail` is written for
/// the caller and must never carry a secret.
package struct APIProblem: Error, Sendable, Equatable {
    package let status: HTTPResponse.Status
    package let code: String
    package let detail: String
    package var fieldErrors: [FieldError] = []
    /// The payment provider's own code and request id, when the provider refused or failed.
    package var providerCode: String?
    package var providerRequestID: String?
    /// Sent as `Retry-After`.
    package var retryAfterSeconds: Int?
    /// How many invoices are still open, when they are why a change was refused.
    package var openInvoices: Int?

    /// One offending field: a JSON pointer into the body, or the name of a parameter.
    package struct FieldError: Sendable, Equatable, Codable {
        package var pointer: String?
        package var parameter: String?
        package let code: String
        package let detail: String
        /// The payment provider's name of the field, when the provider refused it.
        package var providerField: String?
    }

    package init(status: HTTPResponse.Status, code: String, detail: String, fieldErrors: [FieldError] = []) {
        self.status = status
        self.code = code
        self.detail = detail
        self.fieldErrors = fieldErrors
    }
}

extension APIProblem {
    package static func invalidBody(_ detail: String) -> APIProblem {
        APIProblem(status: .badRequest, code: "invalid_body", detail: detail)
    }

    package static func invalidParameter(_ name: String, _ detail: String) -> APIProblem {
        APIProblem(
            status: .badRequest,
            code: "invalid_parameter",
            detail: "The parameter '\(name)' is invalid: \(detail).",
            fieldErrors: [FieldError(parameter: name, code: "invalid", detail: detail)]
        )
    }

    package static func validationFailed(_ failure: ValidationFailure) -> APIProblem {
        let count = failure.violations.count
        return APIProblem(
            status: .unprocessableContent,
            code: "validation_failed",
            detail: "The request body has \(count) invalid field\(count == 1 ? "" : "s").",
            fieldErrors: failure.violations.map { FieldError(pointer: $0.pointer, code: $0.code, detail: $0.detail) }
        )
    }

    package static let missingAPIKey = APIProblem(
        status: .unauthorized,
        code: "missing_api_key",
        detail: "Send an API key as 'Authorization: Bearer <key>'."
    )

    package static let invalidAPIKey = APIProblem(
        status: .unauthorized,
        code: "invalid_api_key",
        detail: "The API key is not valid."
    )

    package static let sessionExpired = APIProblem(
        status: .unauthorized,
        code: "session_expired",
        detail: "The session has expired; ask the host for a new one."
    )

    package static let invalidSession = APIProblem(
        status: .unauthorized,
        code: "invalid_session",
        detail: "The session token is not valid."
    )

    package static let sessionForbidden = APIProblem(
        status: .forbidden,
        code: "session_forbidden",
        detail: "A session token cannot call this operation; it needs a key."
    )

    package static let sessionsNotConfigured = APIProblem(
        status: .serviceUnavailable,
        code: "sessions_not_configured",
        detail: "Browser sessions need FOLIO_SESSION_KEYS to be configured."
    )

    package static let originNotAllowed = APIProblem(
        status: .forbidden,
        code: "origin_not_allowed",
        detail: "This origin is not in FOLIO_ALLOWED_ORIGINS."
    )

    package static let invoiceNotPayable = APIProblem(
        status: .conflict,
        code: "invoice_not_payable",
        detail: "The invoice has no payment link, or can no longer be paid."
    )

    package static let platformOnly = APIProblem(
        status: .forbidden,
        code: "forbidden",
        detail: "This operation needs a platform key."
    )

    package static func tenantNotFound(_ id: String) -> APIProblem {
        APIProblem(status: .notFound, code: "tenant_not_found", detail: "No tenant \(id) exists.")
    }

    package static func payloadTooLarge(limit: Int) -> APIProblem {
        APIProblem(
            status: .contentTooLarge,
            code: "payload_too_large",
            detail: "The request body is larger than \(limit) bytes."
        )
    }

    package static let notAcceptable = APIProblem(
        status: .notAcceptable,
        code: "not_acceptable",
        detail: "This API answers application/json (text/plain for /metrics, the image type for QR codes); adjust the Accept header."
    )

    package static let serviceUnavailable = APIProblem(
        status: .serviceUnavailable,
        code: "service_unavailable",
        detail: "A dependency of Folio is unavailable; try again shortly."
    )

    package static let internalError = APIProblem(
        status: .internalServerError,
        code: "internal_error",
        detail: "Folio failed to handle the request; it has been logged with its request id."
    )
}
