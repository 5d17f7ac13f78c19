import Foundation
import InvoiceboxSandbox
import Logging
import NIOHTTP1
import Testing

/// Shipments (invoicebox-api.md §13) and held funds as the sandbox plays them.
@Suite struct SandboxShipmentTests {
    static var line: [String: Any] {
        [
            "sku": "S", "name": "Room", "measure": "шт.", "measureCode": "796", "quantity": 1,
            "amount": 60.0, "amountWoVat": 50.0, "totalAmount": 60.0, "totalVatAmount": 10.0,
            "vatCode": "RUS_VAT20", "type": "service", "paymentType": "full_payment",
        ]
    }

    @Test func shipmentsCaptureAHoldAndNeverAddUpToMoreThanTheOrder() async throws {
        let sandbox = InvoiceboxSandbox(configuration: .fast, logger: Logger(label: "folio.test.sandbox"))
        try await sandbox.withRunningServer { url in
            let client = SandboxClient(baseURL: url)
            let shop = await sandbox.state.addMerchant()
            let created = try await client.send(
                .POST, "/v3/billing/api/order/order", token: shop.token, json: SandboxClient.order(merchantID: shop.id, merchantOrderID: "S-1"))
            let orderID = try #require((created.json["data"] as? [String: Any])?["id"] as? String)
            func ship(final: Bool = false, number: String) async throws -> SandboxClient.Reply {
                try await client.send(
                    .POST, "/v3/billing/api/order/shipment", token: shop.token,
                    json: ["orderId": orderID, "documentNumber": number, "basketItems": [Self.line], "final": final] as [String: Any])
            }
            #expect(try await ship(number: "D-0").errorCode == "wrong_order_status", "an unpaid order has nothing to ship")

            #expect(try await client.send(.POST, "/__sandbox/orders/\(orderID)/hold").status == 200)
            let held = try await client.send(.GET, "/v3/billing/api/order/order/\(orderID)", token: shop.token)
            #expect((held.json["data"] as? [String: Any])?["status"] as? String == "hold")
            let first = try await ship(number: "D-1")
            #expect(first.status == 200)
            let shipment = try #require(first.json["data"] as? [String: Any])
            #expect(shipment["id"] is NSNumber, "an integer, not a string")
            #expect((shipment["amount"] as? NSNumber)?.doubleValue == 60)
            // The hold is captured.
            let captured = try await client.send(.GET, "/v3/billing/api/order/order/\(orderID)", token: shop.token)
            #expect((captured.json["data"] as? [String: Any])?["status"] as? String == "completed")
            #expect(await sandbox.state.heldFunds(orderID: orderID).captured == 6_000)

            #expect(try await ship(final: true, number: "D-2").status == 200)
            #expect(try await ship(number: "D-3").errorCode == "wrong_order_status", "a final shipment closed the order")

            // Both lists answer, filtered by order; the official client's path too.
            let billing = try await client.send(.GET, "/v3/billing/api/order/shipment?orderId=\(orderID)&_page=1&_pageSize=10", token: shop.token)
            #expect((billing.json["data"] as? [[String: Any]])?.compactMap { $0["documentNumber"] as? String }.sorted() == ["D-1", "D-2"])
            let filter = try await client.send(.GET, "/v3/filter/api/order/shipment?orderId=nothing", token: shop.token)
            #expect((filter.json["data"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test func theSumOfShipmentsIsCheckedAndAListMayIgnoreItsFilter() async throws {
        var configuration = SandboxConfiguration.fast
        configuration.shipmentListIgnoresOrderFilter = true
        configuration.shipmentListRoutes = .filterOnly
        let sandbox = InvoiceboxSandbox(configuration: configuration, logger: Logger(label: "folio.test.sandbox"))
        try await sandbox.withRunningServer { url in
            let client = SandboxClient(baseURL: url)
            let shop = await sandbox.state.addMerchant()
            let created = try await client.send(
                .POST, "/v3/billing/api/order/order", token: shop.token, json: SandboxClient.order(merchantID: shop.id, merchantOrderID: "S-2"))
            let orderID = try #require((created.json["data"] as? [String: Any])?["id"] as? String)
            try await sandbox.state.pay(orderID: orderID)
            let tooMuch = try await client.send(
                .POST, "/v3/billing/api/order/shipment", token: shop.token,
                json: ["orderId": orderID, "basketItems": [Self.line, Self.line, Self.line]] as [String: Any])
            #expect(tooMuch.status == 422)
            #expect(tooMuch.errorCode == "wrong_total_amount")
            #expect(
                try await client.send(
                    .POST, "/v3/billing/api/order/shipment", token: shop.token, json: ["orderId": orderID, "basketItems": [Self.line]] as [String: Any]
                ).status == 200)
            let ignored = try await client.send(.GET, "/v3/filter/api/order/shipment?orderId=nothing", token: shop.token)
            #expect((ignored.json["data"] as? [[String: Any]])?.count == 1)
            #expect(try await client.send(.GET, "/v3/billing/api/order/shipment?orderId=\(orderID)", token: shop.token).status == 404)
        }
    }
}
