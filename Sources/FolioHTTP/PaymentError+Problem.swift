import FolioDomain
import HTTPTypes
import PaymentsPort

extension PaymentError: ProblemConvertible {
    var problem: APIProblem {
        var problem: APIProblem
        switch self {
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
}
