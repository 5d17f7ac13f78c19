import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import InvoiceboxSandbox

/// The order number on the guest's payment page: the host's display number, else the reservation id.
@Suite struct DisplayNumberTests {
    @Test func theHostsDisplayNumberIsShownStoredAndReplayed() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("numbered")
            let body = TestAPI.invoiceBody(extra: #","displayNumber":"Бронь 77120/2""#)
            let created = try await api.createInvoice(tenant, body: body, idempotencyKey: "numbered-1")
            #expect(created.status == .created)
            let invoice = try created.json()
            #expect(invoice["displayNumber"] as? String == "Бронь 77120/2")
            let id = try #require(invoice["id"] as? String)

            // The provider keeps the invoice id as the merchant order id and shows the display number.
            let orderID = try #require(invoice["providerOrderId"] as? String)
            let order = try #require(await api.sandbox.state.order(id: orderID))
            #expect(order.merchantOrderID == id)
            #expect(order.merchantOrderIDVisible == "Бронь 77120/2")
            #expect(await api.sandbox.state.paymentPage(containerID: order.containerID)?.shownNumber == "Бронь 77120/2")

            let read = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(id)").json()
            #expect(read["displayNumber"] as? String == "Бронь 77120/2")
            let listed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            #expect((listed["items"] as? [[String: Any]])?.map { $0["displayNumber"] as? String } == ["Бронь 77120/2"])
            let replay = try await api.createInvoice(tenant, body: body, idempotencyKey: "numbered-1")
            #expect(try replay.json()["id"] as? String == id)
            #expect(try replay.json()["displayNumber"] as? String == "Бронь 77120/2")
        }
    }

    @Test func withoutADisplayNumberThePageShowsTheReservationID() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("unnumbered")
            let created = try await api.createInvoice(tenant, body: TestAPI.invoiceBody(reservationID: "SZ-55501"))
            #expect(created.status == .created)
            let invoice = try created.json()
            #expect(invoice["displayNumber"] == nil)
            let orderID = try #require(invoice["providerOrderId"] as? String)
            let order = try #require(await api.sandbox.state.order(id: orderID))
            #expect(order.merchantOrderID == invoice["id"] as? String)
            #expect(order.merchantOrderIDVisible == "SZ-55501")
            #expect(await api.sandbox.state.paymentPage(containerID: order.containerID)?.shownNumber == "SZ-55501")
        }
    }

    @Test func aDisplayNumberTheGuestCannotReadIsRefused() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("unreadable")
            let cases: [(String, String)] = [
                (#""""#, "empty"),
                (#""\#(String(repeating: "9", count: 257))""#, "longer than the provider allows"),
                (#""   ""#, "only spaces"),
                (#""A\u200B1""#, "a zero-width space"),
                (#""A\n1""#, "a line break"),
            ]
            for (value, label) in cases {
                let response = try await api.createInvoice(tenant, body: TestAPI.invoiceBody(extra: #","displayNumber":\#(value)"#))
                #expect(response.status == .unprocessableContent, "\(label)")
                let pointers = (try response.json()["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? []
                #expect(pointers == ["/displayNumber"], "\(label): \(pointers)")
            }
            #expect(try await api.invoiceCount(tenant) == 0)
            #expect(await api.providerOrderCount(merchantID: merchantID) == 0)
            let longest = TestAPI.invoiceBody(extra: #","displayNumber":"\#(String(repeating: "9", count: 256))""#)
            #expect(try await api.createInvoice(tenant, body: longest).status == .created)
        }
    }
}
