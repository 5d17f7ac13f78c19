import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

@Suite struct ProviderErrorLogTests {
    @Test func aRefusalLeavesTheAdapterWithItsCodeStatusAndRequestIDButNotItsMessage() {
        let error = InvoiceboxError.rejected(
            status: 422, code: "wrong_total_amount", message: "Guest Irina Sokolova, card 4111…",
            fields: [.init(name: "basketItems[0].amount", code: nil, message: nil)], requestID: "req-1"
        ).paymentError
        #expect(error.providerCode == "wrong_total_amount")
        #expect(error.httpStatus == 422)
        #expect(error.requestID == "req-1")
        #expect(error.cause == "rejected")
        #expect(
            error
                == .rejected(
                    fields: [.init(name: "basketItems[0].amount", code: nil)],
                    ProviderDiagnostics(cause: "rejected", code: "wrong_total_amount", httpStatus: 422, requestID: "req-1")))
        #expect(!"\(error)".contains("Irina"))
    }

    @Test func everyFailureHasAStableCause() {
        let failures: [InvoiceboxError] = [
            .rateLimited(retryAfterSeconds: 3, requestID: nil), .unavailable(status: 503, requestID: "r"),
            .outcomeUnknown(operation: "create order", requestID: nil), .timedOut(operation: "read order"),
            .circuitOpen(retryAfterSeconds: 30), .transport(reason: "connection refused"),
        ]
        #expect(failures.map(\.cause) == ["rate_limited", "unavailable", "outcome_unknown", "timed_out", "circuit_open", "transport"])
        #expect(failures.map(\.httpStatus) == [429, 503, nil, nil, nil, nil])
    }
}
