import FakturowniaAdapter
import FakturowniaSandbox
import FolioDomain
import FolioTestSupport
import Foundation
import Metrics
import Prometheus
import Testing

/// The API token travels in the query (reads, deletes) or the body (writes), never in a header,
/// and never shows in a log line, an error's text or a metric (§2: it ends up in URLs).
@Suite struct TokenCanaryTests {
    static let canary = "CANARY-7f3a9c-fakturownia-token-e41d"

    @Test func theTokenAppearsInNoLogErrorOrMetric() async throws {
        let logs = CapturedLogs()
        let registry = PrometheusCollectorRegistry()
        try await GatewayHarness.run(
            sandboxLogger: logs.logger(label: "folio.test.fakturownia-sandbox"), gatewayLogger: logs.logger(label: "folio.fakturownia"),
            metricsFactory: PrometheusMetricsFactory(registry: registry)
        ) { harness in
            await harness.sandbox.state.addAccount(prefix: "canary", apiToken: Self.canary)
            let access = FakturowniaAccountAccess(baseURL: harness.origin.appendingPathComponent("canary"), apiToken: Secret(Self.canary))
            var errorTexts: [String] = ["\(access)", String(reflecting: access)]

            // A create whose answer is lost (and so a lookup), a list retried through a 503.
            await harness.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: "/invoices.json"))
            let invoice = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: access)
            await harness.inject(FakturowniaFault(kind: .status, method: "GET", pathContains: "/invoices.json", status: 503))
            #expect(try await harness.gateway.invoices(page: 1, in: access).count == 1)
            try await harness.gateway.deleteInvoice(id: invoice.id, in: access)

            // Every error shape, each made with the canary token.
            func collect(_ call: () async throws -> Void) async {
                do {
                    try await call()
                    Issue.record("expected an error")
                } catch {
                    errorTexts += ["\(error)", String(reflecting: error), error.localizedDescription]
                }
            }
            await collect { _ = try await harness.gateway.invoice(id: invoice.id, in: access) }
            await collect { _ = try await harness.gateway.recordPayment(FakturowniaPaymentDraft(invoiceID: 1, amount: MinorUnits(1)), in: access) }
            await collect {
                _ = try await harness.gateway.account(
                    FakturowniaAccountAccess(baseURL: harness.origin.appendingPathComponent("nobody"), apiToken: Secret(Self.canary)))
            }
            await harness.inject(FakturowniaFault(kind: .status, method: "POST", pathContains: "/webhooks.json", status: 422))
            await collect {
                _ = try await harness.gateway.registerWebhooks(url: "http://127.0.0.1:9/h", secret: Secret("s"), kinds: [.invoiceUpdate], in: access)
            }
            await harness.inject(FakturowniaFault(kind: .malformedBody, method: "GET"))
            await collect { _ = try await harness.gateway.account(access) }
            let stopped = try await GatewayHarness.stoppedOrigin()
            let impatient = GatewayHarness.shortTimeoutGateway(
                sleeps: harness.sleeps, logger: logs.logger(label: "folio.fakturownia"), metricsFactory: PrometheusMetricsFactory(registry: registry))
            await collect {
                _ = try await impatient.account(FakturowniaAccountAccess(baseURL: stopped.appendingPathComponent("canary"), apiToken: Secret(Self.canary)))
            }
            #expect(errorTexts.count == 2 + 6 * 3)

            let records = await harness.sandbox.state.requests.filter { $0.prefix == "canary" }
            // The token did travel: in the query of reads and deletes (masked by the simulator's record).
            #expect(records.contains { $0.method == "GET" && $0.redactedQuery.contains("api_token=") })
            #expect(records.contains { $0.method == "DELETE" && $0.redactedQuery.contains("api_token=") })
            #expect(records.filter { $0.method == "POST" }.allSatisfy { !$0.redactedQuery.contains("api_token") })
            #expect(records.allSatisfy { !$0.authorizationHeader })

            let logText = logs.text
            #expect(logText.contains("fakturownia call"))
            #expect(!logText.contains(Self.canary))
            #expect(!logText.contains("7f3a9c"))
            for text in errorTexts { #expect(!text.contains(Self.canary), "\(text)") }
            let metrics = registry.emitToString()
            #expect(metrics.contains("folio_fakturownia_requests_total"))
            #expect(!metrics.contains(Self.canary))
        }
    }
}
