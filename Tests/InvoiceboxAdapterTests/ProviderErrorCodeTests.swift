import AsyncHTTPClient
import FolioDomain
import Foundation
import InvoiceboxSandbox
import JSONWire
import NIOHTTP1
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

/// Every documented error code, provoked with bodies the adapter itself would never send, and
/// read back by the adapter as a typed error carrying the code and the request id.
@Suite struct ProviderErrorCodeTests {
    /// A valid order body whose members `change` then spoils.
    static func body(merchantID: String, _ change: (inout [String: Any]) -> Void) -> Data {
        let expires = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
        var order: [String: Any] = [
            "merchantId": merchantID, "merchantOrderId": UUID().uuidString, "description": "d",
            "amount": 120.0, "vatAmount": 20.0, "currencyId": "RUB", "languageId": "ru", "expirationDate": expires,
            "customer": ["type": "private"],
            "basketItems": [
                [
                    "sku": "S", "name": "N", "measure": "шт.", "measureCode": "796", "quantity": 1,
                    "amount": 120.0, "amountWoVat": 100.0, "totalAmount": 120.0, "totalVatAmount": 20.0,
                    "vatCode": "RUS_VAT20", "type": "service", "paymentType": "full_prepayment",
                ]
            ],
        ]
        change(&order)
        return try! JSONSerialization.data(withJSONObject: order)
    }

    static func withLine(_ order: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var items = order["basketItems"] as! [[String: Any]]
        change(&items[0])
        order["basketItems"] = items
    }

    static let cases: [(String, @Sendable (inout [String: Any]) -> Void)] = [
        ("wrong_basket_item_total_amount", { order in withLine(&order) { $0["totalAmount"] = 130.0 } }),
        ("wrong_basket_item_total_vat_amount", { order in withLine(&order) { $0["totalVatAmount"] = 25.0 } }),
        ("wrong_basket_item_amount_wo_vat", { order in withLine(&order) { $0["amountWoVat"] = 90.0 } }),
        ("wrong_total_amount", { order in order["amount"] = 121.0 }),
        ("wrong_total_vat_amount", { order in order["vatAmount"] = 21.0 }),
        ("wrong_currency", { order in order["currencyId"] = "JPY" }),
        ("language_not_found", { order in order["languageId"] = "de" }),
        ("wrong_expiration_date", { order in order["expirationDate"] = "2001-01-01T00:00:00+00:00" }),
        ("forbidden", { order in order["merchantId"] = "ffffffff-ffff-ffff-ffff-ffffffffffff" }),
    ]

    @Test(arguments: cases.map(\.0))
    func eachCodeReachesTheCaller(_ code: String) async throws {
        let change = Self.cases.first { $0.0 == code }!.1
        try await SandboxHarness.run { harness async throws in
            let body = Self.body(merchantID: harness.shop.merchantID, change)
            let error = await #expect(throws: InvoiceboxError.self) {
                try await harness.gateway.transport.send(
                    .init(method: .POST, path: "/billing/api/order/order", body: body, kind: .write, operation: "create order"),
                    baseURL: harness.baseURL, prefix: "v3", token: harness.shop.token, accountKey: "test"
                )
            }
            guard case .rejected(let status, let received, _, _, let requestID)? = error else {
                Issue.record("expected a rejection, got \(String(describing: error))")
                return
            }
            #expect(received == code)
            #expect(status == (code == "forbidden" ? 403 : 422))
            #expect(requestID?.isEmpty == false)
        }
    }

    @Test func aDuplicateMerchantOrderIDIsRefusedAndTheGatewayAdoptsTheFirstOrder() async throws {
        try await SandboxHarness.run { harness async throws in
            let draft = harness.draft("DUP-1")
            let first = try await harness.gateway.createOrder(draft, shop: harness.shop)
            let body = try OrderWireFormat.createOrder(draft, merchantID: harness.shop.merchantID).serialized()
            let error = await #expect(throws: InvoiceboxError.self) {
                try await harness.gateway.transport.send(
                    .init(method: .POST, path: "/billing/api/order/order", body: body, kind: .write, operation: "create order"),
                    baseURL: harness.baseURL, prefix: "v3", token: harness.shop.token, accountKey: "test"
                )
            }
            #expect(error?.providerCode == "merchant_order_id_duplicate")
            #expect(try await harness.gateway.createOrder(draft, shop: harness.shop).id == first.id)
            #expect(try await harness.orderCount() == 1)
        }
    }

    @Test func aWrongTokenIsUnauthorized() async throws {
        try await SandboxHarness.run { harness async throws in
            var shop = harness.shop
            shop.token = Secret("ffffffffffffffffffffffffffffffff")
            let error = await #expect(throws: PaymentError.self) {
                try await harness.gateway.createOrder(harness.draft(), shop: shop)
            }
            #expect(error?.providerCode == "unauthorized")
        }
    }

    @Test func theL3PrefixServesTheSameResources() async throws {
        try await SandboxHarness.run { harness async throws in
            var shop = harness.shop
            shop.apiVariant = "l3"
            // A fault armed for l3 paths only proves the call really went there.
            try await harness.injectFault(#"{"kind":"status","status":503,"method":"GET","pathContains":"/l3/","count":1}"#)
            await harness.assumePagingSpelling()
            var client = SandboxHarness.fastClient
            client.readAttempts = 1
            client.dialects = harness.gateway.transport.configuration.dialects
            let oneShot = InvoiceboxGateway(http: .shared, configuration: client, logger: SandboxHarness.logger)
            await #expect(throws: PaymentError.self) { try await oneShot.listOrders(OrderQuery(), shop: shop) }
            let order = try await harness.gateway.createOrder(harness.draft(), shop: shop)
            #expect(try await harness.gateway.order(id: order.id, shop: harness.shop)?.id == order.id)
        }
    }
}
