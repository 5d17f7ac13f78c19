import FakturowniaAdapter
import FakturowniaSandbox
import FolioDomain
import Foundation
import Logging
import Metrics
import NIOHTTP1
import Testing

/// Every answer shape of §11 maps to one typed error; reads retry 429, 5xx and no answer with
/// backoff, writes never retry (§10).
@Suite struct ErrorShapeTests {
    @Test func unauthorizedNotFoundAndAFieldMapWithThePolishText() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let wrong = FakturowniaAccountAccess(baseURL: account.baseURL, apiToken: Secret("wrong-token"))
            await #expect(throws: FakturowniaGatewayError.unauthorized(message: "You must be logged in to gain access to the site")) {
                _ = try await harness.gateway.invoices(page: 1, in: wrong)
            }
            await #expect(throws: FakturowniaGatewayError.notFound(message: "Not Found")) {
                _ = try await harness.gateway.invoice(id: 42, in: account)
            }
            let error = await #expect(throws: FakturowniaGatewayError.self) {
                _ = try await harness.gateway.recordPayment(FakturowniaPaymentDraft(invoiceID: 42, amount: MinorUnits(100)), in: account)
            }
            #expect(error == .validationFailed(fields: [.init(name: "invoice_id", messages: ["jest nieprawidłowe"])]))
            #expect(error?.description.contains("invoice_id: jest nieprawidłowe") == true)
        }
    }

    @Test func a422WithAPlainMessageIsARefusal() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            await harness.inject(FakturowniaFault(kind: .status, method: "POST", pathContains: "/webhooks.json", status: 422))
            await #expect(throws: FakturowniaGatewayError.refused(status: 422, message: "Injected failure")) {
                _ = try await harness.gateway.registerWebhooks(url: "http://127.0.0.1:9/hook", secret: Secret("s"), kinds: [.invoiceUpdate], in: account)
            }
        }
    }

    @Test func aGetIsRetriedThroughA503() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            _ = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            await harness.inject(FakturowniaFault(kind: .status, method: "GET", pathContains: "/invoices.json", status: 503))
            #expect(try await harness.gateway.invoices(page: 1, in: account).count == 1)
            #expect(await harness.requests("GET", "/invoices.json", prefix: "hotel").count == 2)
            #expect(harness.sleeps.recorded == [.milliseconds(200)])
        }
    }

    @Test func aPostIsNotRetriedThroughA503() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let invoice = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            await harness.inject(FakturowniaFault(kind: .status, method: "POST", pathContains: "/banking/payments.json", status: 503))
            await #expect(throws: FakturowniaGatewayError.unavailable(status: 503)) {
                _ = try await harness.gateway.recordPayment(FakturowniaPaymentDraft(invoiceID: invoice.id, amount: MinorUnits(100)), in: account)
            }
            #expect(await harness.requests("POST", "/banking/payments.json", prefix: "hotel").count == 1)
            #expect(harness.sleeps.recorded.isEmpty)
        }
    }

    @Test func aPersistent5xxOnAReadGivesUpAfterTheAttemptsWithGrowingWaits() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            await harness.inject(FakturowniaFault(kind: .status, method: "GET", pathContains: "/invoices.json", status: 500, count: 10))
            await #expect(throws: FakturowniaGatewayError.unavailable(status: 500)) {
                _ = try await harness.gateway.invoices(page: 1, in: account)
            }
            #expect(await harness.requests("GET", "/invoices.json", prefix: "hotel").count == 3)
            #expect(harness.sleeps.recorded == [.milliseconds(200), .milliseconds(400)])
        }
    }

    @Test func rateLimitingRetriesReadsAndNeverWrites() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            await harness.inject(FakturowniaFault(kind: .status, method: "GET", pathContains: "/invoices.json", status: 429, count: 10))
            await #expect(throws: FakturowniaGatewayError.rateLimited(retryAfterSeconds: nil)) {
                _ = try await harness.gateway.invoices(page: 1, in: account)
            }
            #expect(await harness.requests("GET", "/invoices.json", prefix: "hotel").count == 3)
            await harness.sandbox.state.clearFaults()
            await harness.inject(FakturowniaFault(kind: .status, method: "POST", pathContains: "/invoices.json", status: 429))
            await #expect(throws: FakturowniaGatewayError.rateLimited(retryAfterSeconds: nil)) {
                _ = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            }
            #expect(await harness.requests("POST", "/invoices.json", prefix: "hotel").count == 1)
        }
    }

    @Test func aBodyThatIsNotJSONIsMalformed() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            await harness.inject(FakturowniaFault(kind: .malformedBody, method: "GET", pathContains: "/account.json"))
            await #expect(throws: FakturowniaGatewayError.malformedResponse(reason: "content type text/html, not JSON", status: 200)) {
                _ = try await harness.gateway.account(account)
            }
        }
    }

    @Test func noAnswerAfterTheReadsAttempts() async throws {
        try await GatewayHarness.run { harness in
            // A port nothing listens on: the sandbox's own, once it has stopped.
            let stopped = try await GatewayHarness.stoppedOrigin()
            let access = FakturowniaAccountAccess(baseURL: stopped.appendingPathComponent("hotel"), apiToken: Secret("token-1"))
            let error = await #expect(throws: FakturowniaGatewayError.self) {
                _ = try await GatewayHarness.shortTimeoutGateway(sleeps: harness.sleeps).account(access)
            }
            guard case .noAnswer(let operation, _) = error else {
                Issue.record("expected noAnswer, got \(String(describing: error))")
                return
            }
            #expect(operation == "read account")
            #expect(harness.sleeps.recorded.count == 2)
        }
    }

    @Test func retryAfterIsHonouredInSecondsAndAsADate() {
        var headers = HTTPHeaders()
        headers.add(name: "Retry-After", value: "7")
        #expect(FakturowniaGatewayRetry.delay(headers) == .seconds(7))
        var dated = HTTPHeaders()
        dated.add(name: "Retry-After", value: "Wed, 21 Oct 2015 07:28:30 GMT")
        let now = Date(timeIntervalSince1970: 1_445_412_500)
        #expect(FakturowniaGatewayRetry.delay(dated, now: now) == .seconds(10))
        #expect(FakturowniaGatewayRetry.delay(HTTPHeaders()) == nil)
    }
}

extension GatewayHarness {
    /// A gateway that gives up on an exchange after 300 ms: the HTTP client keeps trying to
    /// connect to a closed port until the request's deadline.
    static func shortTimeoutGateway(
        sleeps: SleepRecorder, logger: Logger = GatewayHarness.logger, metricsFactory: (any MetricsFactory)? = nil
    ) -> FakturowniaGateway {
        var configuration = FakturowniaGatewayConfiguration()
        configuration.requestTimeout = .milliseconds(300)
        configuration.sleep = { sleeps.record($0) }
        configuration.inFlight = InFlightLimiter()
        configuration.metricsFactory = metricsFactory
        return FakturowniaGateway(configuration: configuration, logger: logger)
    }

    /// The origin of a simulator that has already stopped.
    static func stoppedOrigin() async throws -> URL {
        let sandbox = FakturowniaSandbox(logger: logger)
        return try await sandbox.withRunningServer { $0 }
    }
}
