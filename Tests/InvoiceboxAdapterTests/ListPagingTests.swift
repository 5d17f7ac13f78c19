import AsyncHTTPClient
import FolioDomain
import Foundation
import InvoiceboxSandbox
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

/// Lists read to their end by the page size and number the provider echoes, against a sandbox
/// that clamps the page size and may leave out `totalCount` (invoicebox-api.md §9.5, §12.3, §13.2).
@Suite struct ListPagingTests {
    static func sandbox(maximumPageSize: Int, omitsTotalCount: Bool = false, ignoresOrderFilter: Bool = false) -> SandboxConfiguration {
        var configuration = SandboxConfiguration.fast
        configuration.maximumPageSize = maximumPageSize
        configuration.omitsTotalCount = omitsTotalCount
        configuration.shipmentListIgnoresOrderFilter = ignoresOrderFilter
        return configuration
    }

    /// A paid order of the harness's shop.
    static func paidOrder(_ harness: SandboxHarness) async throws -> ProviderOrder {
        let order = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
        try await harness.admin("POST", "/__sandbox/orders/\(order.id)/pay")
        return order
    }

    /// A shipment of one 10-rouble line, recorded under `documentNumber`.
    static func ship(_ orderID: String, _ documentNumber: String, _ harness: SandboxHarness) async throws {
        let line = OrderLine(basket: BasketLineRequest(sku: "ROOM", name: "Room", quantity: 1, unitPrice: MinorUnits(1_000), vatCode: .twenty))
        _ = try await harness.gateway.createShipment(
            ShipmentDraft(orderID: orderID, documentNumber: documentNumber, lines: [line], final: false), shop: harness.shop)
    }

    @Test(arguments: [false, true])
    func theNewestShipmentIsFoundBeyondAClampedFirstPageOfAnIgnoredFilter(omitsTotalCount: Bool) async throws {
        let sandbox = Self.sandbox(maximumPageSize: 30, omitsTotalCount: omitsTotalCount, ignoresOrderFilter: true)
        try await SandboxHarness.run(sandbox: sandbox) { harness in
            let busy = try await Self.paidOrder(harness)
            for index in 1...35 { try await Self.ship(busy.id, "D-\(index)", harness) }
            let sought = try await Self.paidOrder(harness)
            try await Self.ship(sought.id, "LOST-ANSWER", harness)

            let found = try await harness.gateway.shipments(orderID: sought.id, shop: harness.shop)
            #expect(found.map(\.documentNumber) == ["LOST-ANSWER"])
            let lists = await harness.requests(endingWith: "/billing/api/order/shipment").filter { $0.method == "GET" }
            #expect(lists.count == 2, "the second page holds the newest shipment")
            #expect(lists.last?.values(of: "_pageSize") == ["30"], "the next page is asked in the size the provider used")
            #expect(try await harness.gateway.shipments(orderID: busy.id, shop: harness.shop).count == 35)
        }
    }

    @Test func aListLongerThanThePagesReadIsNoAnswer() async throws {
        var client = SandboxHarness.fastClient
        client.maximumPagesRead = 2
        try await SandboxHarness.run(sandbox: Self.sandbox(maximumPageSize: 2), client: client) { harness in
            let order = try await Self.paidOrder(harness)
            for index in 1...5 { try await Self.ship(order.id, "D-\(index)", harness) }
            await #expect(throws: PaymentError.self, "three pages of two are more than the two read") {
                try await harness.gateway.shipments(orderID: order.id, shop: harness.shop)
            }
            var more = harness.gateway.transport.configuration
            more.maximumPagesRead = 3
            let gateway = InvoiceboxGateway(http: .shared, configuration: more, logger: SandboxHarness.logger)
            #expect(try await gateway.shipments(orderID: order.id, shop: harness.shop).map(\.documentNumber) == (1...5).map { "D-\($0)" })
        }
    }

    @Test(arguments: [false, true])
    func everyRefundOfAnOrderIsListedWhateverThePageSize(omitsTotalCount: Bool) async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(maximumPageSize: 1, omitsTotalCount: omitsTotalCount)) { harness in
            let draft = harness.draft()
            let order = try await harness.gateway.createOrder(draft, shop: harness.shop)
            try await harness.admin("POST", "/__sandbox/orders/\(order.id)/pay")
            var refunds: [String] = []
            for (index, line) in draft.lines.enumerated() {
                let refund = try await harness.gateway.createRefund(
                    RefundDraft(parentOrderID: order.id, merchantOrderID: "\(draft.merchantOrderID)-r\(index)", description: "refund", lines: [line]),
                    shop: harness.shop)
                refunds.append(refund.id)
            }
            // Made within one second, the two refunds sort by id, not by the order they were made in.
            #expect(try await harness.gateway.listRefunds(parentOrderID: order.id, shop: harness.shop).map(\.id).sorted() == refunds.sorted())
        }
    }

    @Test func theShipmentListPathThatAnswersIsRemembered() async throws {
        var sandbox = SandboxConfiguration.fast
        sandbox.shipmentListRoutes = .filterOnly
        try await SandboxHarness.run(sandbox: sandbox) { harness in
            let order = try await Self.paidOrder(harness)
            try await Self.ship(order.id, "D-1", harness)
            for _ in 1...3 { #expect(try await harness.gateway.shipments(orderID: order.id, shop: harness.shop).count == 1) }
            #expect(await harness.requests(endingWith: "/billing/api/order/shipment").filter { $0.method == "GET" }.count == 1)
            #expect(await harness.requests(endingWith: "/filter/api/order/shipment").count == 3)
            #expect(await harness.gateway.transport.configuration.dialects.shipmentListRoute(for: harness.baseURL) == .filter)
        }
    }

    @Test func aPageNumberedOtherwiseThanAskedIsNoAnswer() async throws {
        var sandbox = SandboxConfiguration.fast
        sandbox.pagingSpelling = .neither
        try await SandboxHarness.run(sandbox: sandbox) { harness in
            let order = try await Self.paidOrder(harness)
            _ = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            #expect(try await harness.gateway.listOrders(OrderQuery(page: 1, pageSize: 1), shop: harness.shop).page == 1)
            await #expect(throws: PaymentError.self, "the first page again is not the second") {
                try await harness.gateway.listOrders(OrderQuery(page: 2, pageSize: 1), shop: harness.shop)
            }
            // A full first page of 30 and no way to the second: the shipment sought may be on it.
            for index in 1...31 { try await Self.ship(order.id, "D-\(index)", harness) }
            await #expect(throws: PaymentError.self) { try await harness.gateway.shipments(orderID: order.id, shop: harness.shop) }
        }
    }
}
