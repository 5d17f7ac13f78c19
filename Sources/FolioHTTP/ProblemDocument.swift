import Foundation
import HTTPTypes
import Hummingbird

/// The JSON body of a problem response (RFC 9457).
struct ProblemDocument: Encodable {
    let type: String
    let title: String
    let status: Int
    let code: String
    let detail: String
    let requestId: String
    let providerCode: String?
    let providerRequestId: String?
    let openInvoices: Int?
    let errors: [APIProblem.FieldError]?

    init(_ problem: APIProblem, requestID: String) {
        self.type = "https://folio.dev/problems/\(problem.code)"
        self.title = problem.status.reasonPhrase
        self.status = problem.status.code
        self.code = problem.code
        self.detail = problem.detail
        self.requestId = requestID
        self.providerCode = problem.providerCode
        self.providerRequestId = problem.providerRequestID
        self.openInvoices = problem.openInvoices
        self.errors = problem.fieldErrors.isEmpty ? nil : problem.fieldErrors
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response(for problem: APIProblem, requestID: String) -> Response {
        let document = ProblemDocument(problem, requestID: requestID)
        // Encoding plain strings and integers cannot fail; the fallback keeps the contract anyway.
        let body = (try? encoder.encode(document)) ?? Data(#"{"code":"internal_error"}"#.utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if problem.status == .unauthorized {
            headers[.wwwAuthenticate] = "Bearer"
        }
        if let seconds = problem.retryAfterSeconds {
            headers[.retryAfter] = String(seconds)
        }
        return Response(status: problem.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
