import FolioTestSupport
import Foundation
import InvoiceboxSandbox
import Logging
import NIOHTTP1
import Testing

/// `merchantOrderIdVisible`: checked as a new order's field and shown on the payment page.
@Suite struct SandboxVisibleOrderIDTests {
    static let logger = Logger(label: "folio.test.sandbox")

    func withSandbox(_ body: @Sendable (InvoiceboxSandbox, SandboxClient) async throws -> Void) async throws {
        let sandbox = InvoiceboxSandbox(configuration: .fast, logger: Self.logger)
        try await sandbox.withRunningServer { url in
            try await body(sandbox, SandboxClient(baseURL: url))
        }
    }

    @Test func thePaymentPageShowsTheVisibleNumberElseTheMerchantOrderID() async throws {
        try await withSandbox { sandbox, client in
            let shop = await sandbox.state.addMerchant()
            var visible = SandboxClient.order(merchantID: shop.id, merchantOrderID: "PMS-1")
            visible["merchantOrderIdVisible"] = "Бронь <SZ-1>"
            let plain = SandboxClient.order(merchantID: shop.id, merchantOrderID: "PMS-2")
            var pages: [String] = []
            for order in [visible, plain] {
                let reply = try await client.send(.POST, "/v3/billing/api/order/order", token: shop.token, json: order)
                #expect(reply.status == 200)
                let container = try #require((reply.json["data"] as? [String: Any])?["orderContainerId"] as? String)
                pages.append(String(decoding: try await client.send(.GET, "/__sandbox/pay/order/\(container)").body, as: UTF8.self))
            }
            #expect(pages[0].contains("<code>Бронь &lt;SZ-1&gt;</code>"))
            #expect(!pages[0].contains("PMS-1"))
            #expect(pages[1].contains("<code>PMS-2</code>"))
        }
    }

    @Test func aVisibleNumberLongerThanTheReferenceAllowsIsRefused() async throws {
        try await withSandbox { sandbox, client in
            let shop = await sandbox.state.addMerchant()
            for (value, status) in [(String(repeating: "9", count: 257), 422), (String(repeating: "9", count: 256), 200)] {
                var order = SandboxClient.order(merchantID: shop.id, merchantOrderID: "PMS-\(value.count)")
                order["merchantOrderIdVisible"] = value
                let reply = try await client.send(.POST, "/v3/billing/api/order/order", token: shop.token, json: order)
                #expect(reply.status == status)
                if status == 422 {
                    // The field is named whether `fields` comes as an array or keyed by name.
                    let fields = (reply.json["error"] as? [String: Any])?["fields"]
                    let named = (fields as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? (fields as? [String: Any]).map { Array($0.keys) } ?? []
                    #expect(named == ["merchantOrderIdVisible"])
                }
            }
            var wrongType = SandboxClient.order(merchantID: shop.id, merchantOrderID: "PMS-number")
            wrongType["merchantOrderIdVisible"] = 77120
            #expect(try await client.send(.POST, "/v3/billing/api/order/order", token: shop.token, json: wrongType).status == 422)
        }
    }
}
