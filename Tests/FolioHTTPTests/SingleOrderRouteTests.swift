import FolioTestSupport
import Foundation
import InvoiceboxSandbox
import PostgresNIO
import StatusUpdater
import Testing

/// Status sync against a provider without the undocumented single-order route
/// (invoicebox-api.md §9.6, §19 #5): every read goes through the filter endpoint instead.
@Suite struct SingleOrderRouteTests {
    static var withoutTheRoute: SandboxConfiguration {
        var configuration = SandboxConfiguration.fast
        configuration.singleOrderRoute = .absent
        return configuration
    }

    @Test func aPaidNotificationIsConfirmedWithoutTheSingleOrderRoute() async throws {
        try await TestAPI.run(listening: true, confirmation: .always, sandboxConfiguration: Self.withoutTheRoute) { api in
            let (tenant, merchantID) = try await api.activeTenant("no-single-route")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            try await eventually("the invoice was not paid") { try await api.invoiceStatus(invoice) == "paid" }
            #expect(try await api.notificationVerdicts(tenant) == ["success"])
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.paid"])
            // The confirming read found the order through the filter endpoint.
            let reads = await api.sandbox.state.requests().filter { $0.path.hasSuffix("/filter/api/order/order") && $0.values(of: "id") == [invoice.orderID] }
            #expect(!reads.isEmpty)
        }
    }

    @Test func reconciliationFindsAPaymentWithoutTheSingleOrderRoute() async throws {
        try await TestAPI.run(sandboxConfiguration: Self.withoutTheRoute) { api in
            let (tenant, merchantID) = try await api.activeTenant("no-single-route-reconciled")
            let paid = try await api.openInvoice(tenant, merchantID: merchantID)
            // The notification goes nowhere: only the job can learn of the payment.
            try await api.sandbox.state.pay(orderID: paid.orderID)
            try await api.database.query("UPDATE folio.reconciliation_schedule SET due_at = now()", logger: TestDatabase.logger)
            let job = Reconciler(client: api.database, book: api.book, logger: TestDatabase.logger)
            #expect(try await job.runOnce() == 1)
            #expect(try await api.invoiceStatus(paid) == "paid")
        }
    }
}
