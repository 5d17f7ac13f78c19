import FolioDomain
import Foundation
import HTTPTypes
import Hummingbird
import InvoiceboxAdapter
import InvoicingService
import Logging
import OpenAPIRuntime
import PostgresNIO
import TenantRegistry
import TokenVault

extension APIProblem {
    /// Turns whatever a handler, the generated code or a middleware threw into the problem the
    /// caller sees. Anything not recognised is an internal error: logged in full, answered vaguely.
    static func from(_ error: any Error, method: HTTPRequest.Method) -> APIProblem {
        switch error {
        case let problem as APIProblem:
            return problem
        case let failure as ValidationFailure:
            return .validationFailed(failure)
        case RegistryError.tenantNotFound(let id):
            return .tenantNotFound(id.description)
        case RegistryError.invalidCursor:
            return .invalidParameter("cursor", "not a cursor returned by this API")
        case RegistryError.tenantSchemaBehind:
            return APIProblem(
                status: .serviceUnavailable,
                code: "tenant_unavailable",
                detail: "This tenant's data is being migrated; try again shortly."
            )
        case is RegistryConflict, is MigrationError:
            return .serviceUnavailable
        case let error as InvoicingError:
            return from(error)
        case let error as InvoiceError:
            return from(error)
        case IdempotencyError.leaseLost:
            return APIProblem(status: .conflict, code: "idempotency_key_in_flight", detail: "A later request with this Idempotency-Key took over; retry shortly.")
        case let error as InvoiceboxError:
            return from(error)
        case VaultError.unknownTenant(let id):
            return .tenantNotFound(id.description)
        case let error as ServerError:
            return from(error, method: method)
        case let error as DecodingError:
            return from(error, method: method)
        case let error as HTTPError:
            return from(error)
        case is PSQLError, is PostgresTransactionError:
            return .serviceUnavailable
        default:
            return .internalError
        }
    }

    private static func from(_ error: ServerError, method: HTTPRequest.Method) -> APIProblem {
        let underlying = error.underlyingError
        if underlying is APIProblem || underlying is ValidationFailure || underlying is RegistryError
            || underlying is RegistryConflict || underlying is MigrationError
            || underlying is InvoicingError || underlying is InvoiceError || underlying is IdempotencyError || underlying is InvoiceboxError || underlying is VaultError
            || underlying is DecodingError || underlying is PSQLError || underlying is PostgresTransactionError
        {
            return from(underlying, method: method)
        }
        switch error.httpStatus {
        case .notAcceptable:
            return .notAcceptable
        case .unsupportedMediaType:
            return APIProblem(
                status: .unsupportedMediaType,
                code: "unsupported_media_type",
                detail: "Send the body as 'Content-Type: application/json'."
            )
        case .badRequest where error.causeDescription.contains("request body"):
            return .invalidBody("The request body is missing.")
        case .badRequest:
            return APIProblem(status: .badRequest, code: "invalid_parameter", detail: error.causeDescription)
        case let status where status.kind == .clientError:
            return APIProblem(status: status, code: "invalid_request", detail: error.causeDescription)
        default:
            return .internalError
        }
    }

    /// What the log may say about an error. Never the text of a `ServerError`: it quotes the
    /// request's headers (the bearer key among them), its body and the handler's output.
    static func logDescription(of error: any Error) -> String {
        switch error {
        case let error as ServerError:
            "operation \(error.operationID): " + logDescription(of: error.underlyingError)
        case let error as PSQLError:
            "PSQLError: " + error.serverSummary
        case let error as PostgresTransactionError:
            "PostgresTransactionError: " + logDescription(of: error.closureError ?? error.commitError ?? error.beginError ?? error.rollbackError ?? error)
        case let error as MigrationError:
            error.description
        case let error as APIProblem:
            "APIProblem \(error.code)"
        default:
            String(describing: type(of: error))
        }
    }

    /// The generated code reports bad query values and bad bodies alike as decoding errors; only
    /// the operations with a body decode one, so the method tells which the caller got wrong.
    private static func from(_ error: DecodingError, method: HTTPRequest.Method) -> APIProblem {
        let (path, detail) = describe(error)
        if method == .get || method == .delete || method == .head {
            let name = path.split(separator: "/").first.map(String.init) ?? "query"
            return .invalidParameter(name, detail)
        }
        var problem = APIProblem.invalidBody(path.isEmpty ? "The request body is invalid: \(detail)." : "The field '\(path)' is invalid: \(detail).")
        if !path.isEmpty {
            problem.fieldErrors = [FieldError(pointer: path, code: "invalid", detail: detail)]
        }
        return problem
    }

    private static func describe(_ error: DecodingError) -> (pointer: String, detail: String) {
        func pointer(_ path: [any CodingKey]) -> String {
            path.map { "/" + ($0.intValue.map(String.init) ?? $0.stringValue) }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context):
            return (pointer(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            return (pointer(context.codingPath), "must be of type \(typeName(type))")
        case .valueNotFound(_, let context):
            return (pointer(context.codingPath), "must not be null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty, context.underlyingError != nil || context.debugDescription.contains("JSON") {
                return ("", "it is not valid JSON")
            }
            return (pointer(context.codingPath), String(context.debugDescription.prefix(200)))
        @unknown default:
            return ("", "it could not be decoded")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Int.Type, is Int32.Type, is Int64.Type: "integer"
        case is Double.Type, is Float.Type: "number"
        case is Bool.Type: "boolean"
        default: "object or array"
        }
    }

    private static func from(_ error: InvoicingError) -> APIProblem {
        switch error {
        case .partnerNotConfigured:
            return APIProblem(
                status: .serviceUnavailable, code: "invoicing_not_configured",
                detail: "This Folio has no partner account with the provider (FOLIO_INVOICEBOX_PARTNER_ID); connect a shop with PUT …/invoicing/credentials."
            )
        case .partnerRejected(let requestID):
            var problem = APIProblem(
                status: .serviceUnavailable, code: "invoicing_not_configured",
                detail: "The provider refused this platform's partner credentials; the operator must fix FOLIO_INVOICEBOX_PARTNER_ID and FOLIO_INVOICEBOX_PARTNER_TOKEN."
            )
            problem.providerRequestID = requestID
            return problem
        case .alreadyActive:
            return APIProblem(status: .conflict, code: "invoicing_active", detail: "Invoicing is already active for this tenant; disable it first to start over.")
        case .notInvited:
            return APIProblem(status: .conflict, code: "not_invited", detail: "Send an invitation (POST …/invoicing/invite) before activating.")
        case .inviteTooSoon(let seconds):
            var problem = APIProblem(status: .tooManyRequests, code: "invite_too_soon", detail: "An invitation was sent moments ago; try again in \(seconds) s.")
            problem.retryAfterSeconds = seconds
            return problem
        case .activationCodeRejected(let providerCode, let requestID):
            var problem = APIProblem(
                status: .unprocessableContent, code: "activation_code_rejected",
                detail: "The provider did not accept the activation code; nothing was changed.",
                fieldErrors: [FieldError(pointer: "/activationCode", code: "rejected", detail: "not accepted by the provider")]
            )
            problem.providerCode = providerCode
            problem.providerRequestID = requestID
            return problem
        case .notActive:
            return APIProblem(
                status: .conflict, code: "invoicing_not_active",
                detail: "This tenant has not enabled invoicing: invite and activate it, or connect a shop, first."
            )
        case .credentialsRejected:
            return APIProblem(
                status: .unprocessableContent, code: "invalid_credentials",
                detail: "The provider did not accept the token for this merchant; nothing was stored.",
                fieldErrors: [FieldError(pointer: "/token", code: "rejected", detail: "not accepted by the provider")]
            )
        case .merchantNotOwned:
            return APIProblem(
                status: .unprocessableContent, code: "merchant_not_owned",
                detail: "The provider does not let this token act for this merchant; nothing was stored.",
                fieldErrors: [FieldError(pointer: "/merchantId", code: "not_owned", detail: "not a shop of this token")]
            )
        case .merchantAlreadyConnected:
            return APIProblem(status: .conflict, code: "merchant_already_connected", detail: "This merchant is connected to another tenant; nothing was stored.")
        case .hasOpenInvoices(let count):
            var problem = APIProblem(
                status: .conflict, code: "invoicing_has_open_invoices",
                detail: "\(count) invoice(s) of the current shop are still open; wait until they are paid, canceled or expired (or cancel them) first."
            )
            problem.openInvoices = count
            return problem
        case .tooManyAttempts(let seconds):
            var problem = APIProblem(status: .tooManyRequests, code: "too_many_attempts", detail: "Too many attempts for this tenant; try again in \(seconds) s.")
            problem.retryAfterSeconds = seconds
            return problem
        }
    }

    private static func from(_ error: InvoiceError) -> APIProblem {
        switch error {
        case .notFound:
            return APIProblem(status: .notFound, code: "invoice_not_found", detail: "No such invoice for this tenant.")
        case .notCancelable(let status, let providerCode, let requestID):
            var problem = APIProblem(
                status: .conflict, code: "invoice_not_cancelable",
                detail: "The invoice is \(status.rawValue) and can no longer be canceled."
            )
            problem.providerCode = providerCode
            problem.providerRequestID = requestID
            return problem
        case .notRefundable(let status):
            return APIProblem(
                status: .conflict, code: "invoice_not_refundable",
                detail: "The invoice is \(status.rawValue); only a paid invoice can be refunded."
            )
        }
    }

    private static func from(_ error: InvoiceboxError) -> APIProblem {
        var problem: APIProblem
        switch error {
        case .rejected(_, let code, _, _, _):
            problem = APIProblem(status: .badGateway, code: "provider_rejected", detail: "The payment provider refused the request (\(code ?? "no code")).")
            problem.providerCode = code
        case .existingOrderDiffers:
            problem = APIProblem(status: .conflict, code: "provider_conflict", detail: "The provider already holds a different order under this id.")
        case .invalidBasket(let reason):
            problem = APIProblem(status: .unprocessableContent, code: "validation_failed", detail: "The items cannot be priced: \(reason).")
        case .rateLimited(let seconds, _):
            problem = APIProblem(status: .serviceUnavailable, code: "provider_unavailable", detail: "The payment provider's rate limit is reached; try again later.")
            problem.retryAfterSeconds = seconds
        case .circuitOpen(let seconds):
            problem = APIProblem(status: .serviceUnavailable, code: "provider_unavailable", detail: "The payment provider is failing; try again later.")
            problem.retryAfterSeconds = seconds
        default:
            problem = APIProblem(status: .serviceUnavailable, code: "provider_unavailable", detail: "The payment provider did not answer properly; try again later.")
        }
        problem.providerRequestID = error.requestID
        return problem
    }

    private static func from(_ error: HTTPError) -> APIProblem {
        switch error.status {
        case .notFound:
            return APIProblem(status: .notFound, code: "not_found", detail: "No such endpoint.")
        case .methodNotAllowed:
            return APIProblem(status: .methodNotAllowed, code: "method_not_allowed", detail: "The endpoint does not accept this method.")
        case .contentTooLarge:
            return .payloadTooLarge(limit: RequestBodyLimitMiddleware.defaultLimit)
        default:
            return .internalError
        }
    }
}
