import Foundation
import InvoiceboxSandbox
import Logging
import NIOHTTP1
import Testing

/// The refund lifecycle the sandbox's admin API drives: a refund completes or is canceled, and a
/// canceled one gives its lines back to the paid order.
@Suite struct SandboxRefundTests {
    @Test func aCanceledRefundGivesItsLinesBackAndStaysFinal() async throws {
        let sandbox = InvoiceboxSandbox(configuration: .fast, logger: Logger(label: "folio.test.sandbox"))
        try await sandbox.withRunningServer { url in
            let client = SandboxClient(baseURL: url)
            let shop = await sandbox.state.addMerchant()
            let created = try await client.send(
                .POST, "/v3/billing/api/order/order", token: shop.token,
                json: SandboxClient.order(merchantID: shop.id, merchantOrderID: "R-1")
            )
            let orderID = try #require((created.json["data"] as? [String: Any])?["id"] as? String)
            try await sandbox.state.pay(orderID: orderID)
            let line: [String: Any] = [
                "sku": "S", "name": "Room", "measure": "шт.", "measureCode": "796", "quantity": 1,
                "amount": 120.0, "amountWoVat": 100.0, "totalAmount": 120.0, "totalVatAmount": 20.0,
                "vatCode": "RUS_VAT20", "type": "service", "paymentType": "full_prepayment",
            ]
            func refund(_ merchantOrderID: String) async throws -> SandboxClient.Reply {
                try await client.send(
                    .POST, "/v3/billing/api/order/refund-order", token: shop.token,
                    json: [
                        "parentId": orderID, "merchantOrderId": merchantOrderID, "description": "Refund",
                        "amount": 120.0, "vatAmount": 20.0, "basketItems": [line],
                    ] as [String: Any]
                )
            }
            let first = try await refund("R-1-refund-1")
            let refundID = try #require((first.json["data"] as? [String: Any])?["id"] as? String)
            #expect(try await refund("R-1-refund-2").errorCode == "wrong_total_amount", "nothing is left to refund")

            #expect(try await client.send(.POST, "/__sandbox/refunds/\(refundID)/cancel").status == 200)
            let listed = try await client.send(.GET, "/v3/filter/api/order/refund-order?merchantOrderId=R-1-refund-1", token: shop.token)
            #expect(((listed.json["data"] as? [[String: Any]])?.first)?["status"] as? String == "canceled")
            // Final: neither canceled again nor completed.
            #expect(try await client.send(.POST, "/__sandbox/refunds/\(refundID)/cancel").errorCode == "wrong_order_status")
            #expect(try await client.send(.POST, "/__sandbox/refunds/\(refundID)/complete").errorCode == "wrong_order_status")
            // Its line is refundable again.
            #expect(try await refund("R-1-refund-2").status == 200)
        }
    }
}
