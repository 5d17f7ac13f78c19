import FolioTestSupport
import Foundation
import InvoiceboxSandbox
import Logging
import NIOHTTP1
import Testing

/// The update of an order (invoicebox-api.md §9.7) and the reversal of a paid one (§9.8 rule 3),
/// over HTTP.
@Suite struct SandboxOrderUpdateTests {
    static let logger = Logger(label: "folio.test.sandbox")

    func withOrder(
        _ configuration: SandboxConfiguration = .fast,
        _ body: @Sendable (InvoiceboxSandbox, SandboxClient, _ token: String, _ orderID: String) async throws -> Void
    ) async throws {
        let sandbox = InvoiceboxSandbox(configuration: configuration, logger: Self.logger)
        try await sandbox.withRunningServer { url in
            let client = SandboxClient(baseURL: url)
            let shop = await sandbox.state.addMerchant()
            let created = try await client.send(
                .POST, "/v3/billing/api/order/order", token: shop.token, json: SandboxClient.order(merchantID: shop.id, merchantOrderID: "U-1"))
            let id = try #require((created.json["data"] as? [String: Any])?["id"] as? String)
            try await body(sandbox, client, shop.token, id)
        }
    }

    /// Two rooms at 120.00 with 20 % VAT, and the totals that go with them.
    static var twoRooms: [String: Any] {
        [
            "description": "Two rooms", "amount": 240.0, "vatAmount": 40.0,
            "basketItems": [
                [
                    "sku": "S", "name": "Room", "measure": "шт.", "measureCode": "796", "quantity": 2,
                    "amount": 120.0, "amountWoVat": 100.0, "totalAmount": 240.0, "totalVatAmount": 40.0,
                    "vatCode": "RUS_VAT20", "type": "service", "paymentType": "full_prepayment",
                ]
            ],
        ]
    }

    @Test func anUnpaidOrderIsUpdatedAndTheMergedOrderIsChecked() async throws {
        try await withOrder { sandbox, client, token, id in
            let path = "/v3/billing/api/order/order/\(id)"
            var wrongTotal = Self.twoRooms
            wrongTotal["amount"] = 250.0
            let refused = try await client.send(.PUT, path, token: token, json: wrongTotal)
            #expect(refused.status == 422)
            #expect(refused.errorCode == "wrong_total_amount")
            // A new basket with the old totals breaks the totals too.
            let basketOnly = try await client.send(.PUT, path, token: token, json: ["basketItems": Self.twoRooms["basketItems"]!])
            #expect(basketOnly.errorCode == "wrong_total_amount")
            let longDescription = try await client.send(.PUT, path, token: token, json: ["description": String(repeating: "x", count: 1001)])
            #expect(longDescription.errorCode == "validation_error")
            #expect(await sandbox.state.orderContent(id: id)?.amountMinor == 12_000)

            let updated = try await client.send(.PUT, path, token: token, json: Self.twoRooms)
            #expect(updated.status == 200)
            let data = try #require(updated.json["data"] as? [String: Any])
            #expect(data["status"] as? String == "created")
            #expect(data["amount"] as? Double == 240)
            #expect(data["description"] as? String == "Two rooms")
            let read = try await client.send(.GET, path, token: token)
            #expect((read.json["data"] as? [String: Any])?["amount"] as? Double == 240)
        }
    }

    @Test(arguments: ["completed", "canceled", "expired"])
    func anOrderPastPaymentIsNotUpdated(status: String) async throws {
        try await withOrder { sandbox, client, token, id in
            switch status {
            case "completed": try await sandbox.state.pay(orderID: id)
            case "expired": try await sandbox.state.expire(orderID: id)
            default: _ = try await client.send(.DELETE, "/v3/billing/api/order/order/\(id)", token: token)
            }
            let refused = try await client.send(.PUT, "/v3/billing/api/order/order/\(id)", token: token, json: Self.twoRooms)
            #expect(refused.status == 422)
            #expect(refused.errorCode == "wrong_order_status")
            #expect(await sandbox.state.orderContent(id: id)?.amountMinor == 12_000)
        }
    }

    @Test func aProviderThatUpdatesPaidOrdersIsASetting() async throws {
        var configuration = SandboxConfiguration.fast
        configuration.updatesPaidOrders = true
        try await withOrder(configuration) { sandbox, client, token, id in
            try await sandbox.state.pay(orderID: id)
            let updated = try await client.send(.PUT, "/v3/billing/api/order/order/\(id)", token: token, json: Self.twoRooms)
            #expect(updated.status == 200)
            #expect((updated.json["data"] as? [String: Any])?["status"] as? String == "completed")
        }
    }

    @Test func onlyAPaidOrderIsReversed() async throws {
        try await withOrder { sandbox, client, token, id in
            await #expect(throws: SandboxError.self) { try await sandbox.state.reverse(orderID: id) }
            try await sandbox.state.pay(orderID: id)
            let reversed = try await client.send(.POST, "/__sandbox/orders/\(id)/reverse")
            #expect(reversed.status == 200)
            let read = try await client.send(.GET, "/v3/billing/api/order/order/\(id)", token: token)
            let data = try #require(read.json["data"] as? [String: Any])
            #expect(data["status"] as? String == "canceled")
            #expect(data["paidAt"] != nil)
            let again = try await client.send(.POST, "/__sandbox/orders/\(id)/reverse")
            #expect(again.status == 422)
        }
    }
}
