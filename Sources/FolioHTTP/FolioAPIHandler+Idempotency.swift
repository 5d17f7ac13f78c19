import Crypto
import FolioDomain
import Foundation
import HTTPTypes
import InvoicingService
import TenantRegistry

extension FolioAPIHandler {
    /// Runs a write under its `Idempotency-Key`, if it has one. The same key and request answer
    /// the first response again, the same key with another request 422, a duplicate still running
    /// 409. Definite answers (successes and the problems of `finalProblemCodes`) are kept;
    /// anything else lets the key go, so that a retry may finish what the first attempt started.
    func idempotent<Body: Codable & Sendable>(
        tenant: TenantID,
        key: String?,
        operation: String,
        request: some Encodable,
        successStatus: Int,
        _ body: (_ resuming: UUID?) async throws -> Body
    ) async throws -> Body {
        guard let key else { return try await body(nil) }
        guard (1...255).contains(key.count), key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw APIProblem.invalidParameter("Idempotency-Key", "must be 1 to 255 visible ASCII characters")
        }
        let fingerprint = try Self.fingerprint(operation: operation, request: request)
        switch try await idempotency.claim(tenant, key: key, fingerprint: fingerprint) {
        case .reused:
            throw APIProblem(status: .unprocessableContent, code: "idempotency_key_reused", detail: "This Idempotency-Key was used for a different request.")
        case .inFlight:
            throw APIProblem(
                status: .conflict, code: "idempotency_key_in_flight", detail: "A request with this Idempotency-Key is still running; retry shortly.")
        case .replay(let status, let stored):
            if status == successStatus { return try Self.decoder.decode(Body.self, from: stored) }
            throw try Self.decoder.decode(StoredProblem.self, from: stored).problem
        case .claimed(let resuming):
            do {
                let result = try await body(resuming)
                try await idempotency.complete(tenant, key: key, status: successStatus, body: Self.encoder.encode(result))
                return result
            } catch {
                let problem = APIProblem.from(error, method: .post)
                if Self.finalProblemCodes.contains(problem.code) {
                    try await idempotency.complete(tenant, key: key, status: problem.status.code, body: Self.encoder.encode(StoredProblem(problem)))
                } else {
                    try? await idempotency.release(tenant, key: key)
                }
                throw error
            }
        }
    }

    /// Answers that the same request would get again whenever it came: kept for the key. Others
    /// (the provider unreachable, invoicing not enabled yet, a conflict of the moment) let the key
    /// go, so that a retry runs once the cause is gone.
    static let finalProblemCodes: Set<String> = [
        "validation_failed", "provider_rejected", "provider_conflict", "invoice_not_found",
        "invoice_not_cancelable", "invoice_not_refundable", "activation_code_rejected",
        "provider_validation_failed", "invoice_not_editable", "invoice_not_fulfillable",
        "payment_outcome_unknown",
    ]

    /// The operation and the request's content, in a canonical encoding.
    static func fingerprint(operation: String, request: some Encodable) throws -> Data {
        var hasher = SHA256()
        hasher.update(data: Data(operation.utf8))
        hasher.update(data: Data([0]))
        hasher.update(data: try encoder.encode(request))
        return Data(hasher.finalize())
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

/// A problem as kept for replay.
struct StoredProblem: Codable {
    var status: Int
    var code: String
    var detail: String
    var fieldErrors: [APIProblem.FieldError]
    var providerCode: String?
    var providerRequestID: String?

    init(_ problem: APIProblem) {
        status = problem.status.code
        code = problem.code
        detail = problem.detail
        fieldErrors = problem.fieldErrors
        providerCode = problem.providerCode
        providerRequestID = problem.providerRequestID
    }

    var problem: APIProblem {
        var problem = APIProblem(status: HTTPResponse.Status(code: status), code: code, detail: detail, fieldErrors: fieldErrors)
        problem.providerCode = providerCode
        problem.providerRequestID = providerRequestID
        return problem
    }
}
