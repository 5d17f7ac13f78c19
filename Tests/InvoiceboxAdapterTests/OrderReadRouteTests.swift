import AsyncHTTPClient
import FolioDomain
import Foundation
import InvoiceboxSandbox
import PaymentsPort
import Synchronization
import Testing

@testable import InvoiceboxAdapter

/// Reading one order through the undocumented single-order route, or through the documented
/// filter endpoint where a provider does not serve it (invoicebox-api.md §9.6, §19 #5).
@Suite struct OrderReadRouteTests {
    /// A time that moves only when the test says so.
    final class ManualTime: Sendable {
        private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { current.withLock { $0 } }
        func advance(hours: Double) { current.withLock { $0 += hours * 3600 } }
    }

    static func sandbox(_ route: SandboxSingleOrderRoute) -> SandboxConfiguration {
        var configuration = SandboxConfiguration.fast
        configuration.singleOrderRoute = route
        return configuration
    }

    @Test func withTheRouteEveryReadUsesIt() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.served)) { harness in
            let created = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            #expect(try await harness.gateway.order(id: created.id, shop: harness.shop) == created)
            #expect(try await harness.gateway.order(id: created.id, shop: harness.shop)?.id == created.id)
            #expect(await harness.requests(endingWith: "/billing/api/order/order/\(created.id)").filter { $0.method == "GET" }.count == 2)
            #expect(await harness.requests(endingWith: "/filter/api/order/order").allSatisfy { $0.values(of: "id").isEmpty })

            // An unknown order is asked of the filter as well (a 404 is ambiguous), and the route
            // that served a known order is kept.
            let unknown = UUID().uuidString.lowercased()
            #expect(try await harness.gateway.order(id: unknown, shop: harness.shop) == nil)
            #expect(await harness.requests(endingWith: "/filter/api/order/order").map { $0.values(of: "id") } == [[unknown]])
            #expect(await harness.gateway.transport.configuration.dialects.orderReadRoute(for: harness.baseURL) == .single)
            _ = try await harness.gateway.order(id: created.id, shop: harness.shop)
            #expect(await harness.requests(endingWith: "/billing/api/order/order/\(created.id)").count == 3)
        }
    }

    @Test(arguments: [SandboxSingleOrderRoute.absent, .methodNotAllowed])
    func withoutTheRouteReadsFallBackToTheFilterAndGoStraightThereNextTime(route: SandboxSingleOrderRoute) async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(route)) { harness in
            let draft = harness.draft()
            let created = try await harness.gateway.createOrder(draft, shop: harness.shop)

            let first = try #require(try await harness.gateway.order(id: created.id, shop: harness.shop))
            #expect(first == created)
            #expect(first.merchantOrderID == draft.merchantOrderID)
            #expect(first.amount == (try draft.priced).amount)
            #expect(await harness.requests(endingWith: "/billing/api/order/order/\(created.id)").filter { $0.method == "GET" }.count == 1)
            #expect(await harness.requests(endingWith: "/filter/api/order/order").map { $0.values(of: "id") } == [[created.id]])

            try await harness.admin("POST", "/__sandbox/orders/\(created.id)/pay")
            let second = try await harness.gateway.order(id: created.id, shop: harness.shop)
            #expect(second?.status == .completed)
            #expect(
                await harness.requests(endingWith: "/billing/api/order/order/\(created.id)").filter { $0.method == "GET" }.count == 1,
                "the second read went straight to the filter endpoint")
            #expect(await harness.requests(endingWith: "/filter/api/order/order").map { $0.values(of: "id") } == [[created.id], [created.id]])

            // An unknown order still reads as none.
            #expect(try await harness.gateway.order(id: UUID().uuidString.lowercased(), shop: harness.shop) == nil)
        }
    }

    @Test func aMissingRouteIsNotConcludedFromAnUnknownOrder() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.absent)) { harness in
            #expect(try await harness.gateway.order(id: UUID().uuidString.lowercased(), shop: harness.shop) == nil)
            #expect(await harness.gateway.transport.configuration.dialects.orderReadRoute(for: harness.baseURL) == nil)
            let created = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            #expect(try await harness.gateway.order(id: created.id, shop: harness.shop) == created)
            #expect(await harness.gateway.transport.configuration.dialects.orderReadRoute(for: harness.baseURL) == .filter)
        }
    }

    @Test func whatOneGatewayLearnsEveryGatewayOfTheProcessUses() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.absent)) { harness in
            let created = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            _ = try await harness.gateway.order(id: created.id, shop: harness.shop)
            let another = InvoiceboxGateway(http: .shared, configuration: harness.gateway.transport.configuration, logger: SandboxHarness.logger)
            #expect(try await another.order(id: created.id, shop: harness.shop) == created)
            #expect(await harness.requests(endingWith: "/billing/api/order/order/\(created.id)").filter { $0.method == "GET" }.count == 1)
        }
    }

    @Test func anAnswerThatIsNotOneOrderSendsReadsToTheFilter() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.served)) { harness in
            let created = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            try await harness.injectFault(#"{"kind":"malformed_body","method":"GET","pathContains":"/billing/api/order/order/","count":1}"#)
            #expect(try await harness.gateway.order(id: created.id, shop: harness.shop) == created)
            #expect(await harness.gateway.transport.configuration.dialects.orderReadRoute(for: harness.baseURL) == .filter)
        }
    }

    @Test func aSuccessWithoutDataIsNotTakenForAMissingRoute() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.served)) { harness in
            let created = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            try await harness.injectFault(#"{"kind":"empty_data","method":"GET","pathContains":"/billing/api/order/order/","count":1}"#)
            #expect(try await harness.gateway.order(id: created.id, shop: harness.shop) == created, "read through the filter")
            #expect(await harness.gateway.transport.configuration.dialects.orderReadRoute(for: harness.baseURL) == nil)
            _ = try await harness.gateway.order(id: created.id, shop: harness.shop)
            #expect(await harness.requests(endingWith: "/billing/api/order/order/\(created.id)").filter { $0.method == "GET" }.count == 2)
            #expect(await harness.gateway.transport.configuration.dialects.orderReadRoute(for: harness.baseURL) == .single)
        }
    }

    @Test func anotherShopsOrderIsNotTakenForAMissingRoute() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.absent)) { harness in
            let otherShop = await harness.sandbox.state.addMerchant()
            let other = ShopCredentials(merchantID: otherShop.id, token: Secret(otherShop.token), baseURL: harness.baseURL)
            let theirs = try await harness.gateway.createOrder(harness.draft(), shop: other)
            #expect(try await harness.gateway.order(id: theirs.id, shop: harness.shop) == nil)
            #expect(await harness.gateway.transport.configuration.dialects.orderReadRoute(for: harness.baseURL) == nil)
            let mine = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            #expect(try await harness.gateway.order(id: mine.id, shop: harness.shop) == mine)
            #expect(await harness.gateway.transport.configuration.dialects.orderReadRoute(for: harness.baseURL) == .filter)
        }
    }

    @Test func theRememberedRouteIsCheckedAgainAfterSomeHours() async throws {
        let time = ManualTime()
        let dialects = ProviderDialects(routeMemory: .seconds(6 * 3600), now: { time.now })
        var client = SandboxHarness.fastClient
        client.dialects = dialects
        try await SandboxHarness.run(sandbox: Self.sandbox(.served), client: client) { harness in
            let created = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            // As if one odd answer had sent reads to the filter.
            await dialects.remember(OrderReadRoute.filter, for: harness.baseURL)
            #expect(try await harness.gateway.order(id: created.id, shop: harness.shop) == created)
            #expect(await harness.requests(endingWith: "/billing/api/order/order/\(created.id)").filter { $0.method == "GET" }.isEmpty)

            time.advance(hours: 5)
            _ = try await harness.gateway.order(id: created.id, shop: harness.shop)
            #expect(await harness.requests(endingWith: "/billing/api/order/order/\(created.id)").filter { $0.method == "GET" }.isEmpty)

            time.advance(hours: 2)
            #expect(try await harness.gateway.order(id: created.id, shop: harness.shop) == created)
            #expect(await harness.requests(endingWith: "/billing/api/order/order/\(created.id)").filter { $0.method == "GET" }.count == 1)
            #expect(await dialects.orderReadRoute(for: harness.baseURL) == .single)
        }
    }

    @Test func cancellingAnOrderWithoutTheRouteStillWorks() async throws {
        try await SandboxHarness.run(sandbox: Self.sandbox(.absent)) { harness in
            let created = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            #expect(try await harness.gateway.cancelOrder(id: created.id, shop: harness.shop).status == .canceled)
            #expect(try await harness.gateway.order(id: created.id, shop: harness.shop)?.status == .canceled)
        }
    }
}
