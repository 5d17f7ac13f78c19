import AsyncHTTPClient
import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoicingService
import NIOCore
import NIOHTTP1
import PostgresNIO
import StatusUpdater
import Testing

@testable import InvoiceboxSandbox

/// Money blocked on the guest's card (the provider's `hold`): reported, kept under
/// reconciliation, released by a cancel, never refunded.
@Suite(.serialized) struct HeldFundsTests {
    @Test func aGuestWhoPaysWithAHoldMakesTheInvoiceHeld() async throws {
        try await TestAPI.run(listening: true) { api in
            let (tenant, merchantID) = try await api.activeTenant("hold-payer")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            // The guest presses the payment page's hold button, as in a browser.
            let paymentURL = try #require(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)").json()["paymentUrl"] as? String)
            let container = try #require(paymentURL.split(separator: "/").last)
            var press = HTTPClientRequest(url: api.sandboxURL.appendingPathComponent("__sandbox/pay/order/\(container)/hold").absoluteString)
            press.method = .POST
            let page = try await api.httpClient.execute(press, timeout: .seconds(10))
            #expect(page.status == .ok)
            #expect(await api.sandbox.state.order(id: invoice.orderID)?.status == "hold")

            #expect(try await eventually { try await api.invoiceStatus(invoice) == "held" })
            #expect(try await api.invoiceEventTypes(tenant) == ["invoice.created", "invoice.held"])
            let held = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)").json()
            #expect(held["paidAt"] == nil, "a hold is not a payment yet")
            // Still read from the provider until it is captured or released.
            #expect(try await ReconciliationTests.scheduled(api) == 1)
            #expect(try await api.notificationVerdicts(tenant) == ["success"])
        }
    }

    @Test func aLateHoldAfterThePaymentChangesNothing() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("late-hold")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            #expect(try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)/sync").json()["status"] as? String == "paid")
            let hold = try editedBody(try await api.notificationBody(invoice)) { $0["status"] = "hold" }
            let answer = try await api.notify(tenant, body: hold, signature: sign(hold, key: key))
            #expect(answer["status"] as? String == "success")
            #expect(try await api.invoiceStatus(invoice) == "paid")
            #expect(try await api.invoiceEventTypes(tenant) == ["invoice.created", "invoice.paid"])
        }
    }

    @Test func cancelingAHeldInvoiceReleasesTheFundsAndARefundIsRefused() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("hold-release")
            let (invoice, orderID) = try await api.heldInvoice(tenant)
            let refund = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds", json: "{}")
            #expect(refund.status == .conflict)
            #expect(refund.problemCode == "invoice_not_refundable")
            #expect(await api.sandbox.state.refunds(parentID: orderID).isEmpty)

            let canceled = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice)/cancel")
            #expect(canceled.status == .ok)
            #expect(try canceled.json()["status"] as? String == "canceled")
            #expect(await api.sandbox.state.order(id: orderID)?.status == "canceled")
            #expect(try await api.invoiceEventTypes(tenant) == ["invoice.created", "invoice.held", "invoice.canceled"])
            #expect(try await ReconciliationTests.scheduled(api) == 0)
        }
    }

    @Test func reconciliationFindsAHoldAndACaptureWhoseNotificationsWereLost() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("hold-reconciled")
            // The provider's notifications go nowhere in this test: only the job can learn these.
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.hold(orderID: invoice.orderID)
            let job = ReconciliationTests.reconciler(api)
            try await ReconciliationTests.makeDue(api)
            #expect(try await job.runOnce() == 1)
            #expect(try await api.invoiceStatus(invoice) == "held")
            #expect(try await ReconciliationTests.scheduled(api) == 1, "a held invoice stays scheduled")

            // The fulfilment captures the funds; the read right after it fails, and no
            // notification comes: the invoice stays held until the job reads it.
            await api.sandbox.state.inject(
                SandboxFault(kind: .status, method: "GET", pathContains: "/api/order/order", remaining: 10, status: 404, code: "not_found"))
            let fulfilled = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)/fulfilments", json: "{}")
            await api.sandbox.state.clearFaults()
            #expect(fulfilled.status == .created)
            #expect(await api.sandbox.state.order(id: invoice.orderID)?.status == "completed")
            #expect(try await api.invoiceStatus(invoice) == "held")
            try await ReconciliationTests.makeDue(api)
            #expect(try await job.runOnce() == 1)
            #expect(try await api.invoiceStatus(invoice) == "paid")
            #expect(try await ReconciliationTests.scheduled(api) == 0)
        }
    }

    @Test func theElementNamesEveryStatusInEveryLanguage() async throws {
        try await TestAPI.run { api in
            let script = String(buffer: try await api.send(.get, "/components/folio.js", key: .some(nil)).body)
            let tables = script.components(separatedBy: "statuses: {").dropFirst().map { $0.prefix { $0 != "}" } }
            #expect(tables.count == 3, "one table per language: English, Russian, Polish")
            for table in tables {
                for status in InvoiceStatus.allCases {
                    #expect(table.contains("\n            \(status.rawValue): \""), "no label for \(status.rawValue)")
                }
            }
        }
    }
}

extension TestAPI {
    /// The types of the tenant's invoice events, in sequence, without its invoicing's.
    func invoiceEventTypes(_ tenant: String) async throws -> [String] {
        try await eventTypes(tenant).filter { $0.hasPrefix("invoice.") }
    }

    /// An invoice whose guest paid with a hold in the sandbox, synced into Folio; returns its id
    /// and the provider's order id.
    func heldInvoice(_ tenant: String) async throws -> (invoice: String, orderID: String) {
        let created = try await createInvoice(tenant).json()
        guard let invoice = created["id"] as? String, let orderID = created["providerOrderId"] as? String else {
            throw UnexpectedResponse(status: .internalServerError, body: "\(created)")
        }
        try await sandbox.state.hold(orderID: orderID)
        let synced = try await send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice)/sync")
        guard try synced.json()["status"] as? String == "held" else {
            throw UnexpectedResponse(status: synced.status, body: String(buffer: synced.body))
        }
        return (invoice, orderID)
    }
}
