import FolioDomain
import HTTPTypes
import PaymentsPort

extension PaymentError: ProblemConvertible {
    var problem: APIProblem {
        var problem: APIProblem
        switch self {
        case .rejected(let fields, _) where isFieldRefusal:
            let count = fields.count
            problem = APIProblem(
                status: .unprocessableContent, code: "provider_validation_failed",
                detail: "The payment provider refused \(count) field\(count == 1 ? "" : "s") of the request (\(providerCode ?? "no code")).",
                fieldErrors: fields.map(Self.fieldError))
            problem.providerCode = providerCode
        case .rejected, .duplicateOrderID, .notFound, .unauthorized:
            problem = APIProblem(
                status: .badGateway, code: "provider_rejected", detail: "The payment provider refused the request (\(providerCode ?? "no code")).")
            problem.providerCode = providerCode
        case .existingOrderDiffers:
            problem = APIProblem(status: .conflict, code: "provider_conflict", detail: "The provider already holds a different order under this id.")
        case .invalidRequest(let reason):
            problem = APIProblem(status: .unprocessableContent, code: "validation_failed", detail: "The items cannot be priced: \(reason).")
        case .rateLimited(let seconds, _):
            problem = APIProblem(
                status: .serviceUnavailable, code: "provider_unavailable", detail: "The payment provider's rate limit is reached; try again later.")
            problem.retryAfterSeconds = seconds
        case .unavailable(let seconds?, _):
            problem = APIProblem(status: .serviceUnavailable, code: "provider_unavailable", detail: "The payment provider is failing; try again later.")
            problem.retryAfterSeconds = seconds
        case .unavailable(nil, _), .outcomeUnknown:
            problem = APIProblem(
                status: .serviceUnavailable, code: "provider_unavailable", detail: "The payment provider did not answer properly; try again later.")
        }
        problem.providerRequestID = requestID
        return problem
    }

    /// A refused field, pointing into Folio's create-invoice body where the provider's field was
    /// built from one of its members; otherwise named only by the provider.
    private static func fieldError(_ field: FieldError) -> APIProblem.FieldError {
        let message = field.message.flatMap { $0.isEmpty ? nil : $0 }
        var error = APIProblem.FieldError(
            pointer: field.source.map(Self.pointer), code: field.code ?? "invalid",
            detail: message ?? "refused by the payment provider")
        error.providerField = field.name
        return error
    }

    private static func pointer(_ source: DraftField) -> String {
        switch source {
        case .line(let index, let attribute): "/items/\(index)/\(attribute.rawValue)"
        case .customer(.kind): "/customer/type"
        case .customer(let attribute): "/customer/\(attribute.rawValue)"
        case .totals: "/items"
        case .description: "/description"
        case .currency: "/currency"
        case .language: "/language"
        case .expiry: "/expiresAt"
        }
    }
}
