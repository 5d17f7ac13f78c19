import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoicingService
import PostgresNIO
import Prometheus
import StatusUpdater
import Testing

@testable import InvoiceboxSandbox

/// What an operator sees when a background job fails: the provider's answer, never just a type.
@Suite(.serialized) struct FailureLoggingTests {
    /// `folio_provider_failures_total` for one operation and cause.
    static func failures(operation: String, cause: String) -> Double {
        let lines = TestMetrics.registry.emitToString().split(separator: "\n")
        for line in lines
        where line.hasPrefix("folio_provider_failures_total{")
            && line.contains(#"operation="\#(operation)""#) && line.contains(#"cause="\#(cause)""#)
        {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }

    static func line(containing message: String, in logs: CapturedLogs) throws -> String {
        try #require(logs.text.split(separator: "\n").map(String.init).first { $0.contains(message) })
    }

    /// The fields every failure line carries for a refusal by the provider.
    static func expectProviderFields(_ line: String, operation: String, tenant: String) {
        #expect(line.contains(#""operation": \#(operation)"#))
        #expect(line.contains(#""tenant.id": \#(tenant)"#))
        #expect(line.contains(#""provider.code": internal_error"#))
        #expect(line.contains(#""http.status": 400"#))
        #expect(line.contains(#""provider.request_id": "#))
        #expect(!line.contains("Bearer"))
    }

    @Test func aFailedReconciliationReadIsLoggedWithTheProvidersAnswerAndCounted() async throws {
        let logs = CapturedLogs()
        try await TestAPI.run(logs: logs) { api in
            let (tenant, merchantID) = try await api.activeTenant("unreconciled")
            _ = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.database.query("UPDATE folio.reconciliation_schedule SET due_at = now()", logger: TestDatabase.logger)
            await api.sandbox.state.inject(SandboxFault(kind: .status, method: "GET", pathContains: "/order", remaining: 1, status: 400))
            let before = Self.failures(operation: "invoice.reconcile", cause: "rejected")
            let job = Reconciler(client: api.database, book: api.book, logger: logs.logger(label: "folio.reconciliation"))
            #expect(try await job.runOnce() == 0)
            let line = try Self.line(containing: "invoice not reconciled yet", in: logs)
            Self.expectProviderFields(line, operation: "invoice.reconcile", tenant: tenant)
            #expect(Self.failures(operation: "invoice.reconcile", cause: "rejected") >= before + 1)
        }
    }

    @Test func aRequestTheProviderRefusedIsLoggedWithItsAnswerAndCounted() async throws {
        let logs = CapturedLogs()
        try await TestAPI.run(logs: logs) { api in
            let (tenant, _) = try await api.activeTenant("refused-request")
            await api.sandbox.state.inject(SandboxFault(kind: .status, method: "POST", pathContains: "/order", remaining: 1, status: 400))
            let before = Self.failures(operation: "api.createInvoice", cause: "rejected")
            #expect(try await api.createInvoice(tenant).status == .badGateway)
            let line = try Self.line(containing: "request failed", in: logs)
            #expect(line.contains(#""operation": api.createInvoice"#))
            #expect(line.contains(#""path": /v1/tenants/\#(tenant)/invoices"#))
            #expect(line.contains(#""provider.code": internal_error"#))
            #expect(line.contains(#""http.status": 400"#))
            #expect(line.contains(#""provider.request_id": "#))
            #expect(!line.contains(api.platformKey))
            #expect(Self.failures(operation: "api.createInvoice", cause: "rejected") >= before + 1)
        }
    }

    @Test func aNotificationWhoseConfirmingReadFailsIsLoggedWithTheProvidersAnswerAndCounted() async throws {
        let logs = CapturedLogs()
        try await TestAPI.run(logs: logs) { api in
            let (tenant, merchantID) = try await api.activeTenant("unconfirmed")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            let body = try await api.notificationBody(invoice)
            await api.sandbox.state.inject(SandboxFault(kind: .status, method: "GET", pathContains: "/order", remaining: 1, status: 400))
            let before = Self.failures(operation: "notification.receive", cause: "rejected")
            let answer = try await api.notify(tenant, body: body, signature: nil)
            #expect(answer["code"] as? String == "out_of_service")
            let line = try Self.line(containing: "notification not processed", in: logs)
            Self.expectProviderFields(line, operation: "notification.receive", tenant: tenant)
            #expect(line.contains(#""order.id": \#(invoice.orderID)"#))
            #expect(Self.failures(operation: "notification.receive", cause: "rejected") >= before + 1)
        }
    }

    @Test func aFailedRecoveryIsLoggedWithTheProvidersAnswerAndCounted() async throws {
        let logs = CapturedLogs()
        try await TestAPI.run(logs: logs) { api in
            let (tenant, _) = try await api.activeTenant("unrecovered")
            // The provider did not handle the creation: the invoice stays pending for the job.
            await api.sandbox.state.inject(SandboxFault(kind: .status, method: "POST", pathContains: "/order", remaining: 1, status: 503))
            #expect(try await api.createInvoice(tenant).status == .serviceUnavailable)
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            await api.sandbox.state.inject(SandboxFault(kind: .status, method: "GET", pathContains: "/order", remaining: 1, status: 400))
            let before = Self.failures(operation: "invoice.recover", cause: "rejected")
            #expect(try await api.recovery.runOnce() == 0)
            let line = try Self.line(containing: "pending invoice not recovered yet", in: logs)
            Self.expectProviderFields(line, operation: "invoice.recover", tenant: tenant)
            #expect(Self.failures(operation: "invoice.recover", cause: "rejected") >= before + 1)
        }
    }
}
