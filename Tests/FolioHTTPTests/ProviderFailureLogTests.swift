import InvoicingService
import Logging
import PaymentsPort
import Testing

/// What the logs say about a provider's failure, whichever provider it was.
@Suite struct ProviderFailureLogTests {
    @Test func aRefusalIsLoggedByItsCodeStatusRequestIDAndFields() {
        let error = PaymentError.rejected(
            fields: [.init(name: "basketItems[0].amount", code: nil)],
            ProviderDiagnostics(cause: "rejected", code: "wrong_total_amount", httpStatus: 422, requestID: "req-1")
        )
        let metadata = error.logMetadata
        #expect(metadata["provider.code"] == "wrong_total_amount")
        #expect(metadata["http.status"] == "422")
        #expect(metadata["provider.request_id"] == "req-1")
        #expect(metadata["provider.fields"] == "basketItems[0].amount")
        #expect(metadata["provider.cause"] == "rejected")
    }

    @Test func anUnknownOutcomeNamesItsOperationAndAWaitItsSeconds() {
        let unknown = PaymentError.outcomeUnknown(ProviderDiagnostics(cause: "timed_out", operation: "create order")).logMetadata
        #expect(unknown["provider.cause"] == "timed_out")
        #expect(unknown["provider.operation"] == "create order")
        let limited = PaymentError.rateLimited(retryAfterSeconds: 3, ProviderDiagnostics(cause: "rate_limited", httpStatus: 429)).logMetadata
        #expect(limited["retry_after_seconds"] == "3")
        #expect(limited["http.status"] == "429")
    }
}
