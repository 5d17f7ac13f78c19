import AsyncHTTPClient
import FolioTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// The white-label case with Invoicebox, through the REST API against the sandbox, as one story:
/// invite and activate, an invoice for the reservation, the list, the guest pays on the payment
/// page, the signed notification moves the invoice, the host's event, the document link, and
/// what Invoicebox leaves to itself (e-mailing, payments recorded elsewhere).
@Suite struct InvoiceboxWhiteLabelTests {
    @Test func theHotelEnablesInvoicingAndTheGuestsPaymentArrivesByNotification() async throws {
        try await TestAPI.run(listening: true) { api in
            // Enable: the invitation, the code the hotel received, the shop active.
            let (tenant, merchantID) = try await api.activeTenant("hotel-severnaya")
            let state = try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()
            #expect(state["provider"] as? String == "invoicebox")
            #expect(state["merchantId"] as? String == merchantID)
            #expect(state["capabilities"] as? [String] == ["refunds", "fulfilments", "edits"])
            #expect(state["fakturownia"] == nil)

            // An invoice for the reservation; its document is the payment page.
            let created = try await api.createInvoice(tenant)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let invoice = try created.json()
            let invoiceID = try #require(invoice["id"] as? String)
            let paymentURL = try #require(invoice["paymentUrl"] as? String)
            #expect((invoice["document"] as? [String: Any])?["viewUrl"] as? String == paymentURL)
            #expect((invoice["document"] as? [String: Any])?["pdfUrl"] == nil)

            let list = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            #expect((list["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [invoiceID])

            // The guest presses "Pay" on the payment page; the sandbox notifies Folio.
            let container = try #require(paymentURL.split(separator: "/").last)
            var press = HTTPClientRequest(url: api.sandboxURL.appendingPathComponent("__sandbox/pay/order/\(container)").absoluteString)
            press.method = .POST
            #expect(try await api.httpClient.execute(press, timeout: .seconds(10)).status.code == 200)
            let paid = try await FakturowniaWhiteLabelTests.awaitStatus("paid", api: api, tenant: tenant, invoice: invoiceID)
            #expect(paid["status"] as? String == "paid")
            let events = try await api.send(.get, "/v1/tenants/\(tenant)/events").json()["items"] as? [[String: Any]] ?? []
            #expect(events.compactMap { $0["type"] as? String }.contains("invoice.paid"))

            // Invoicebox e-mails its receipts and is the payment rail itself: the API says so.
            let send = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/send", json: "{}")
            #expect(send.status == .conflict)
            #expect(send.problemCode == "not_supported_by_provider")
            let payment = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/payments", json: #"{"amount":100}"#)
            #expect(payment.problemCode == "not_supported_by_provider")
        }
    }
}
