import AsyncHTTPClient
import FolioDomain
import Foundation
import InvoiceboxSandbox
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

/// One paging spelling per request, chosen by a probe made once per base URL
/// (invoicebox-api.md §9.5, §19 #3), against a sandbox that takes both or only one.
@Suite struct PagingSpellingTests {
    static func sandbox(_ spelling: SandboxPagingSpelling) -> SandboxConfiguration {
        var configuration = SandboxConfiguration.fast
        configuration.pagingSpelling = spelling
        return configuration
    }

    /// The probe's requests: a list of orders one to a page, with nothing else asked.
    static func isProbe(_ record: SandboxRequestRecord) -> Bool {
        record.path.hasSuffix("/filter/api/order/order") && record.query.count == 2 && record.query.allSatisfy { $0.value == "1" }
    }

    @Test(arguments: [
        (SandboxPagingSpelling.both, PagingSpelling.underscored),
        (.documented, .documented),
        (.underscored, .underscored),
    ])
    func listsAndLookupsSendExactlyOnePairAndTheDuplicateLookupsStillWork(sandbox: SandboxPagingSpelling, expected: PagingSpelling) async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(sandbox)) { harness in
            let draft = harness.draft()
            let order = try await harness.gateway.createOrder(draft, shop: harness.shop)
            _ = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)

            let page = try await harness.gateway.listOrders(OrderQuery(newestFirst: false, page: 2, pageSize: 1), shop: harness.shop)
            #expect(page.totalCount == 2)
            #expect(page.pageSize == 1)
            #expect(page.page == 2)
            #expect(page.items.count == 1)

            // A duplicate merchant order id is refused, and the order is found by that id.
            #expect(try await harness.gateway.createOrder(draft, shop: harness.shop).id == order.id)
            #expect(try await harness.gateway.order(merchantOrderID: draft.merchantOrderID, shop: harness.shop)?.id == order.id)

            try await harness.admin("POST", "/__sandbox/orders/\(order.id)/pay")
            let refundDraft = RefundDraft(
                parentOrderID: order.id, merchantOrderID: "\(draft.merchantOrderID)-r", description: "breakfast", lines: [draft.lines[1]])
            let refund = try await harness.gateway.createRefund(refundDraft, shop: harness.shop)
            #expect(try await harness.gateway.createRefund(refundDraft, shop: harness.shop).id == refund.id, "the duplicate refund is adopted")
            #expect(try await harness.gateway.listRefunds(parentOrderID: order.id, shop: harness.shop).map(\.id) == [refund.id])
            #expect(try await harness.gateway.ownsMerchant(harness.shop))

            let lists = await harness.sandbox.state.requests().filter { $0.path.contains("/filter/api/") && !Self.isProbe($0) }
            #expect(lists.count == 6)
            for list in lists {
                let names = Set(list.query.map(\.name))
                #expect(names.isSuperset(of: [expected.pageName, expected.pageSizeName]), "\(list.query)")
                #expect(names.isDisjoint(with: ["page", "pageSize", "_page", "_pageSize"].filter { $0 != expected.pageName && $0 != expected.pageSizeName }))
                #expect(list.query.filter { $0.name.hasSuffix("age") || $0.name.hasSuffix("ageSize") }.count == 2, "one pair, once")
            }
            #expect(await harness.sandbox.state.requests().filter(Self.isProbe).count == 2, "one probe per spelling")
        }
    }

    @Test func theProbeIsMadeOncePerBaseURLHoweverManyCallsAndGateways() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.documented)) { harness in
            let another = InvoiceboxGateway(http: .shared, configuration: harness.gateway.transport.configuration, logger: SandboxHarness.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    let gateway = index.isMultiple(of: 2) ? harness.gateway : another
                    group.addTask { _ = try await gateway.listOrders(OrderQuery(pageSize: 5), shop: harness.shop) }
                }
                try await group.waitForAll()
            }
            _ = try await another.order(merchantOrderID: "none", shop: harness.shop)
            let probes = await harness.sandbox.state.requests().filter(Self.isProbe)
            #expect(probes.map { $0.query.map(\.name) } == [["page", "pageSize"], ["_page", "_pageSize"]])
            #expect(await harness.gateway.transport.configuration.dialects.knownPagingSpelling(for: harness.baseURL) == .documented)
        }
    }

    @Test func aProbeWithNoConclusiveAnswerSendsBothSpellings() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.both)) { harness in
            // Both probe requests are refused, as by a provider that takes neither spelling.
            try await harness.injectFault(
                #"{"kind":"status","status":422,"code":"validation_error","method":"GET","pathContains":"/filter/api/order/order","count":2}"#)
            #expect(try await harness.gateway.listOrders(OrderQuery(pageSize: 3), shop: harness.shop).pageSize == 3)
            let list = try #require(await harness.requests(endingWith: "/filter/api/order/order").last)
            #expect(list.values(of: "pageSize") == ["3"])
            #expect(list.values(of: "_pageSize") == ["3"])
            #expect(await harness.gateway.transport.configuration.dialects.knownPagingParameters(for: harness.baseURL) == .both)
        }
    }

    @Test func aProviderThatReadsNeitherSpellingIsSentBoth() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.neither)) { harness in
            // Each probe answer reports the default page size of 30, not the 1 asked.
            #expect(try await harness.gateway.listOrders(OrderQuery(pageSize: 3), shop: harness.shop).pageSize == 30)
            let list = try #require(await harness.requests(endingWith: "/filter/api/order/order").last)
            #expect(list.values(of: "page") == ["1"] && list.values(of: "_page") == ["1"])
            #expect(list.values(of: "pageSize") == ["3"] && list.values(of: "_pageSize") == ["3"])
            #expect(await harness.sandbox.state.requests().filter(Self.isProbe).count == 2, "the inconclusive answer is kept")
        }
    }

    @Test func whileTheProbeCannotReachTheProviderBothSpellingsAreSent() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.both)) { harness in
            try await harness.injectFault(
                #"{"kind":"status","status":401,"code":"unauthorized","method":"GET","pathContains":"/filter/api/order/order","count":1}"#)
            #expect(try await harness.gateway.listOrders(OrderQuery(pageSize: 3), shop: harness.shop).pageSize == 3)
            let list = try #require(await harness.requests(endingWith: "/filter/api/order/order").last)
            #expect(list.values(of: "pageSize") == ["3"] && list.values(of: "_pageSize") == ["3"])
            #expect(await harness.gateway.transport.configuration.dialects.knownPagingParameters(for: harness.baseURL) == nil)
        }
    }

    @Test func aRememberedSpellingTheProviderRefusesIsAskedAgain() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.documented)) { harness async throws in
            // As if the provider had taken the underscore until now.
            let dialects = harness.gateway.transport.configuration.dialects
            let remembered = await dialects.pagingParameters(for: harness.baseURL, probe: { .only(.underscored) })
            #expect(remembered == .only(.underscored))
            _ = await #expect(throws: PaymentError.self) { try await harness.gateway.listOrders(OrderQuery(pageSize: 3), shop: harness.shop) }
            #expect(await dialects.knownPagingSpelling(for: harness.baseURL) == nil)
            #expect(try await harness.gateway.listOrders(OrderQuery(pageSize: 3), shop: harness.shop).pageSize == 3)
            #expect(await dialects.knownPagingSpelling(for: harness.baseURL) == .documented)
        }
    }

    @Test func aProbeThatCannotReachTheProviderIsNotRemembered() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.underscored)) { harness in
            try await harness.injectFault(
                #"{"kind":"status","status":401,"code":"unauthorized","method":"GET","pathContains":"/filter/api/order/order","count":1}"#)
            _ = await #expect(throws: PaymentError.self) { try await harness.gateway.listOrders(OrderQuery(pageSize: 3), shop: harness.shop) }
            #expect(await harness.gateway.transport.configuration.dialects.knownPagingSpelling(for: harness.baseURL) == nil)
            #expect(try await harness.gateway.listOrders(OrderQuery(pageSize: 3), shop: harness.shop).pageSize == 3)
            #expect(await harness.gateway.transport.configuration.dialects.knownPagingSpelling(for: harness.baseURL) == .underscored)
        }
    }
}
