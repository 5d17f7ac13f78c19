import AsyncHTTPClient
import FolioDomain
import FolioTestSupport
import Foundation
import InvoiceboxSandbox
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

/// Which failed activations may have used the code, and which cannot have.
@Suite struct ActivationFailureTests {
    @Test func aLostAnswerIsAnUnknownOutcomeAndTheCodeIsSpent() async throws {
        try await SandboxHarness.run { harness async throws in
            _ = try await harness.gateway.invite(email: "gm@hotel.example", partner: harness.partner, tenant: TenantID(UUID()))
            let code = try #require(try await harness.admin("GET", "/__sandbox/invites/gm@hotel.example")["activationCode"] as? String)
            try await harness.injectFault(#"{"kind":"drop_response","method":"POST","pathContains":"/activation","count":1}"#)
            let lost = await #expect(throws: PaymentError.self) {
                try await harness.gateway.activate(code: code, partner: harness.partner, tenant: TenantID(UUID()))
            }
            guard case .outcomeUnknown? = lost else {
                Issue.record("expected an unknown outcome, got \(String(describing: lost))")
                return
            }
            let again = await #expect(throws: PaymentError.self) {
                try await harness.gateway.activate(code: code, partner: harness.partner, tenant: TenantID(UUID()))
            }
            #expect(again?.isRefusal == true)
            #expect(again?.providerCode == "activation_code_not_found")
        }
    }

    @Test func anActivationThatNeverLeftCannotHaveUsedTheCode() async throws {
        // Nothing listens on the discard port of the loopback address.
        let nowhere = PartnerCredentials(
            partnerID: "7d0c1f52-4a3b-4e59-9c1d-2b3a4c5d6e7f", token: Secret("partner"), baseURL: URL(string: "http://127.0.0.1:9")!)
        // The HTTP client keeps trying to connect until the call's time is up; a short budget keeps the test short.
        var configuration = SandboxHarness.fastClient
        configuration.writeBudget = .seconds(1)
        let gateway = InvoiceboxGateway(http: .shared, configuration: configuration, logger: SandboxHarness.logger)
        let error = await #expect(throws: PaymentError.self) {
            try await gateway.activate(code: "804113927", partner: nowhere, tenant: TenantID(UUID()))
        }
        guard case .unavailable? = error else {
            Issue.record("expected unavailable, got \(String(describing: error))")
            return
        }
    }

    @Test(arguments: [
        (InvoiceboxError.transport(reason: "connection refused"), false),
        (InvoiceboxError.timedOut(operation: "activation"), false),
        (InvoiceboxError.outcomeUnknown(operation: "activation", requestID: "r-1"), true),
        (InvoiceboxError.malformedResponse(reason: "no data", status: 200, requestID: "r-2"), true),
        (InvoiceboxError.responseTooLarge(limit: 1, requestID: "r-3"), true),
    ])
    func onlyFailuresAfterSendingLeaveTheOutcomeUnknown(_ failure: InvoiceboxError, unknown: Bool) {
        let mapped = failure.activationPaymentError
        if case .outcomeUnknown = mapped {
            #expect(unknown, "\(failure)")
        } else {
            #expect(!unknown, "\(failure)")
            #expect(mapped == .unavailable(retryAfterSeconds: nil, ProviderDiagnostics(cause: failure.cause)))
        }
    }
}
