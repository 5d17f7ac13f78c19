import FolioDomain
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import TenantRegistry

extension APIProblem {
    /// Turns whatever a handler, the generated code or a middleware threw into the problem the
    /// caller sees. Anything not recognised is an internal error: logged in full, answered vaguely.
    static func from(_ error: any Error, method: HTTPRequest.Method) -> APIProblem {
        switch error {
        case let error as any ProblemConvertible:
            return error.problem
        case let error as ServerError:
            return from(error, method: method)
        case let error as DecodingError:
            return from(error, method: method)
        case let error as HTTPError:
            return from(error)
        default:
            // A database failure that a store did not translate still means the database is
            // unavailable, not that Folio is broken.
            return DatabaseFailure(error) != nil ? .serviceUnavailable : .internalError
        }
    }

    private static func from(_ error: ServerError, method: HTTPRequest.Method) -> APIProblem {
        // The generated code wraps what a handler threw; that error, not the wrapper, is the answer.
        let underlying = error.underlyingError
        if underlying is any ProblemConvertible || underlying is DecodingError || DatabaseFailure(underlying) != nil {
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
        case let error as APIProblem:
            "APIProblem \(error.code)"
        case let error as any LogSafeError:
            "\(String(describing: type(of: error))): \(String(describing: error))"
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
