import Foundation
import HTTPTypes
import Hummingbird
import InvoicingService
import Logging
import OpenAPIRuntime
import PaymentsPort

/// The outermost middleware: gives every request an id, and turns every error into a
/// problem+json answer so that nothing reaches the client as a bare 500.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = FolioRequestContext

    let requestIDs: RequestIDGenerator

    init(requestIDs: RequestIDGenerator = RequestIDGenerator()) {
        self.requestIDs = requestIDs
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let requestID = Self.acceptableRequestID(request.headers[.requestID]) ?? requestIDs.next()
        context.requestID = requestID
        context.logger[metadataKey: "request.id"] = "\(requestID)"

        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let problem = APIProblem.from(error, method: request.method)
            if problem.status.kind == .serverError {
                var metadata: Logger.Metadata = [
                    "error": "\(APIProblem.logDescription(of: error))", "path": "\(request.uri.path)",
                    "status": "\(problem.status.code)",
                ]
                if let failure = error as? ServerError, let providerError = failure.underlyingError as? PaymentError {
                    let operation = "api.\(failure.operationID)"
                    metadata.merge(providerError.logMetadata) { current, _ in current }
                    metadata["operation"] = "\(operation)"
                    FailureReport.count(providerError, operation: operation)
                }
                context.logger.error("request failed", metadata: metadata)
            }
            response = ProblemDocument.response(for: problem, requestID: requestID)
        }
        response.headers[.requestID] = requestID
        return response
    }

    /// A caller's request id is echoed only if it is short and plain, so it cannot inject
    /// anything into logs or headers.
    static func acceptableRequestID(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count) else { return nil }
        let allowed = value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E || byte == 0x3A
        }
        return allowed ? value : nil
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}
