import AsyncHTTPClient
import FolioDomain
import FolioTestSupport
import Foundation
import InvoiceboxSandbox
import Logging
import NIOCore
import NIOHTTP1
import PaymentsPort
import Prometheus
import Testing

@testable import InvoiceboxAdapter

/// Payload variants the provider may send, read without failing a page or an order.
@Suite struct TolerantDecodingTests {
    func object(_ json: String) throws -> WireObject {
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
        return WireObject(members: parsed, status: 200, requestID: "req-1")
    }

    /// A labelled counter's value, read from the Prometheus text format.
    static func counter(_ name: String, _ label: String, _ value: String) -> Double {
        let prefix = "\(name){\(label)=\"\(value)\"} "
        for line in TestMetrics.registry.emitToString().split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }

    @Test func aTimestampWithoutAnOffsetIsUTC() {
        #expect(WireDate.parse("2024-08-12T11:00:00")?.timeIntervalSince1970 == 1_723_460_400)
        #expect(WireDate.parse("2024-08-12T11:00:00.5")?.timeIntervalSince1970 == 1_723_460_400.5)
        #expect(WireDate.parse("2024-08-12T11:00") == nil)
    }

    @Test func quotedAmountsAreReadExactly() throws {
        let order = try ProviderOrder(
            object(
                #"""
                {"id":"a","merchantOrderId":"m","status":"created","amount":"13740.00","vatAmount":"2290.10","currencyId":"RUB",
                 "createdAt":"2024-08-01T09:15:00"}
                """#))
        #expect(order.amount == MinorUnits(1_374_000))
        #expect(order.vatAmount == MinorUnits(229_010))
        #expect(order.createdAt == Date(timeIntervalSince1970: 1_722_503_700))
        #expect(WireObject.decimalMinorUnits("1239.6") == MinorUnits(123_960))
        #expect(WireObject.decimalMinorUnits("-0.05") == MinorUnits(-5))
        #expect(WireObject.decimalMinorUnits("10.500") == MinorUnits(1_050))
        #expect(WireObject.decimalMinorUnits("10.005") == nil)
        #expect(WireObject.decimalMinorUnits("+10") == nil)
        #expect(throws: InvoiceboxError.self) {
            try ProviderOrder(
                object(#"{"id":"a","merchantOrderId":"m","status":"created","amount":"10.005","currencyId":"RUB","createdAt":"2024-08-01T09:15:00Z"}"#))
        }
    }

    @Test func cancelledIsCanceled() throws {
        let order = try ProviderOrder(
            object(#"{"id":"a","merchantOrderId":"m","status":"cancelled","amount":1,"currencyId":"RUB","createdAt":"2024-08-01T09:15:00Z"}"#))
        #expect(order.status == .canceled)
        #expect(OrderNotification(body: Data(#"{"id":"a","status":"cancelled","merchantId":"s","merchantOrderId":"m"}"#.utf8))?.status == .canceled)
    }

    @Test func anUnknownStatusIsKeptAndCounted() throws {
        _ = TestMetrics.registry
        let before = Self.counter("folio_provider_unknown_status_total", "status", "refunding_probe")
        let order = try ProviderOrder(
            object(#"{"id":"a","merchantOrderId":"m","status":"refunding_probe","amount":1,"currencyId":"RUB","createdAt":"2024-08-01T09:15:00Z"}"#))
        #expect(order.status == .unrecognized("refunding_probe"))
        #expect(Self.counter("folio_provider_unknown_status_total", "status", "refunding_probe") == before + 1)
        #expect(ProviderOrderStatus.metricLabel("Weird \"Status\"\n{x}") == "weirdstatusx")
        #expect(ProviderOrderStatus.metricLabel(String(repeating: "a", count: 50)).count == 32)
        #expect(ProviderOrderStatus.metricLabel("Ω!") == "other")
    }

    @Test func anUnreadableRowIsSkippedLoggedAndCounted() throws {
        _ = TestMetrics.registry
        let logs = CapturedLogs()
        let before = Self.counter("folio_provider_rows_skipped_total", "operation", "tolerant test")
        let rows = try [
            object(#"{"id":"good","merchantOrderId":"m1","status":"created","amount":1,"currencyId":"RUB","createdAt":"2024-08-01T09:15:00Z"}"#),
            object(
                #"{"id":"bad-1","merchantOrderId":"m2","status":"created","amount":1,"createdAt":"2024-08-01T09:15:00Z","customer":{"name":"Ирина"}}"#),
            object(#"{"id":"sparse","merchantOrderId":"m3","status":"created","amount":1,"currencyId":"RUB","createdAt":"2024-08-01T09:15:00"}"#),
        ]
        let decoded = OrderRows(rows, operation: "tolerant test", logger: logs.logger(label: "test"))
        #expect(decoded.orders.map(\.id) == ["good", "sparse"])
        #expect(decoded.orders[1].paymentURL == nil && decoded.orders[1].vatAmount == nil)
        #expect(decoded.skipped.map(\.orderID) == ["bad-1"])
        #expect(decoded.skipped.first?.merchantOrderID == "m2")
        #expect(Self.counter("folio_provider_rows_skipped_total", "operation", "tolerant test") == before + 1)
        #expect(logs.text.contains("bad-1"))
        #expect(logs.text.contains("missing currencyId"))
        #expect(!logs.text.contains("Ирина"))
    }

    @Test func aNullErrorBesideTheDataIsASuccess() async throws {
        var configuration = SandboxConfiguration.fast
        configuration.nullErrorInSuccess = true
        try await SandboxHarness.run(sandbox: configuration) { harness in
            let created = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            #expect(try await harness.gateway.order(id: created.id, shop: harness.shop)?.id == created.id)
            #expect(try await harness.gateway.listOrders(OrderQuery(pageSize: 10), shop: harness.shop).items.map(\.id) == [created.id])
        }
    }

    @Test(arguments: [false, true])
    func theSandboxVariantsReadLikeTheDocumentedOnes(variants: Bool) async throws {
        var configuration = SandboxConfiguration.fast
        configuration.timestampsWithoutOffset = variants
        configuration.amountsAsStrings = variants
        configuration.nullErrorInSuccess = variants
        configuration.cancelledSpelling = variants
        try await SandboxHarness.run(sandbox: configuration) { harness in
            let start = Date().addingTimeInterval(-2)
            let draft = harness.draft()
            let created = try await harness.gateway.createOrder(draft, shop: harness.shop)
            #expect(created.amount == MinorUnits(1_074_998))
            #expect(created.createdAt >= start && created.createdAt <= Date().addingTimeInterval(2))
            let canceled = try await harness.gateway.cancelOrder(id: created.id, shop: harness.shop)
            #expect(canceled.status == .canceled)
            let read = try await harness.gateway.order(id: created.id, shop: harness.shop)
            #expect(read?.status == .canceled)
            #expect(read?.vatAmount == created.vatAmount)
            let found = try await harness.gateway.order(merchantOrderID: draft.merchantOrderID, shop: harness.shop)
            #expect(found?.id == created.id)
            // The variants are really on the wire, not only tolerated in theory.
            var request = HTTPClientRequest(url: harness.baseURL.absoluteString + "/v3/billing/api/order/order/\(created.id)")
            request.headers.add(name: "Authorization", value: "Bearer \(harness.shop.token.revealed)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(body.contains(#""status":"cancelled""#) == variants)
            #expect(body.contains(#""error":null"#) == variants)
            #expect(body.contains(#""amount":"10749.98""#) == variants)
            let data = (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["data"] as? [String: Any]
            #expect((data?["createdAt"] as? String)?.hasSuffix("+00:00") == !variants)
        }
    }

    @Test func aPageSkipsAnUnreadableRowUnlessItIsTheOrderSought() async throws {
        try await SandboxHarness.run { harness in
            let readable = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            let unreadableDraft = harness.draft()
            let unreadable = try await harness.gateway.createOrder(unreadableDraft, shop: harness.shop)
            await harness.sandbox.state.overrideMember("amount", ofOrder: unreadable.id, json: #""lots""#)
            let page = try await harness.gateway.listOrders(OrderQuery(pageSize: 10), shop: harness.shop)
            #expect(page.items.map(\.id) == [readable.id])
            #expect(try await harness.gateway.order(merchantOrderID: readable.merchantOrderID, shop: harness.shop)?.id == readable.id)
            // Not finding the sought order because it could not be read must not read as "no order".
            await #expect(throws: PaymentError.self) {
                try await harness.gateway.order(merchantOrderID: unreadableDraft.merchantOrderID, shop: harness.shop)
            }
        }
    }

    @Test func anUnknownStatusFromTheSandboxStaysUnrecognized() async throws {
        try await SandboxHarness.run { harness in
            let created = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            await harness.sandbox.state.overrideMember("status", ofOrder: created.id, json: #""refunding""#)
            #expect(try await harness.gateway.order(id: created.id, shop: harness.shop)?.status == .unrecognized("refunding"))
            #expect(try await harness.gateway.listOrders(OrderQuery(pageSize: 10), shop: harness.shop).items.first?.status == .unrecognized("refunding"))
        }
    }
}
