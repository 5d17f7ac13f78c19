import FolioTestSupport
import Foundation
import InvoiceboxSandbox
import Logging
import NIOHTTP1
import Testing

/// The settings for what the reference leaves open: the single-order route (invoicebox-api.md
/// §9.6, §19 #5) and the paging spelling (§9.5, §19 #3); and the record of requests.
@Suite struct SandboxDialectTests {
    func withSandbox(_ configuration: SandboxConfiguration, _ body: @Sendable (InvoiceboxSandbox, SandboxClient) async throws -> Void) async throws {
        let sandbox = InvoiceboxSandbox(configuration: configuration, logger: Logger(label: "folio.test.sandbox"))
        try await sandbox.withRunningServer { url in
            try await body(sandbox, SandboxClient(baseURL: url))
        }
    }

    func configuration(route: SandboxSingleOrderRoute = .served, paging: SandboxPagingSpelling = .both) -> SandboxConfiguration {
        var configuration = SandboxConfiguration.fast
        configuration.singleOrderRoute = route
        configuration.pagingSpelling = paging
        return configuration
    }

    @Test(arguments: [(SandboxSingleOrderRoute.served, 200), (.absent, 404), (.methodNotAllowed, 405)])
    func theSingleOrderRouteIsServedOrNot(route: SandboxSingleOrderRoute, status: Int) async throws {
        try await withSandbox(configuration(route: route)) { sandbox, client in
            let shop = await sandbox.state.addMerchant()
            let created = try await client.send(
                .POST, "/v3/billing/api/order/order", token: shop.token, json: SandboxClient.order(merchantID: shop.id, merchantOrderID: "PMS-1"))
            let id = try #require((created.json["data"] as? [String: Any])?["id"] as? String)
            let read = try await client.send(.GET, "/v3/billing/api/order/order/\(id)", token: shop.token)
            #expect(read.status == status)
            if route == .absent {
                // Not to be told from an unknown order, nor from an unknown path.
                let unknown = try await client.send(.GET, "/v3/billing/api/order/order/\(UUID().uuidString.lowercased())", token: shop.token)
                let noPath = try await client.send(.GET, "/v3/billing/api/order/no-such-thing/\(id)", token: shop.token)
                for other in [unknown, noPath] {
                    #expect(other.status == 404)
                    #expect(NSDictionary(dictionary: other.json) == NSDictionary(dictionary: read.json))
                }
                #expect(read.errorCode == "not_found")
            }
            // The documented filter endpoint and the order's other methods are served either way.
            let filtered = try await client.send(.GET, "/v3/filter/api/order/order?id=\(id)", token: shop.token)
            #expect((filtered.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            let canceled = try await client.send(.DELETE, "/v3/billing/api/order/order/\(id)", token: shop.token)
            #expect(canceled.status == 200)
            let records = await sandbox.state.requests()
            #expect(records.prefix(2).map(\.method) == ["POST", "GET"])
            #expect(records.last?.method == "DELETE")
            #expect(records.last?.path == "/v3/billing/api/order/order/\(id)")
            #expect(records.first { $0.path.hasPrefix("/v3/filter/") }?.values(of: "id") == [id])
        }
    }

    @Test(arguments: [
        (SandboxPagingSpelling.both, [200, 200]),
        (.documented, [200, 422]),
        (.underscored, [422, 200]),
    ])
    func aStrictPagingSettingRefusesTheOtherSpelling(paging: SandboxPagingSpelling, statuses: [Int]) async throws {
        try await withSandbox(configuration(paging: paging)) { sandbox, client in
            let shop = await sandbox.state.addMerchant()
            var seen: [Int] = []
            for (index, query) in ["page=1&pageSize=1", "_page=1&_pageSize=1"].enumerated() {
                for path in ["/v3/filter/api/order/order", "/v3/filter/api/order/refund-order"] {
                    let reply = try await client.send(.GET, "\(path)?\(query)", token: shop.token)
                    if path.hasSuffix("/order") { seen.append(reply.status) }
                    #expect(reply.status == statuses[index], "\(path)?\(query)")
                    if reply.status == 422 {
                        #expect(reply.errorCode == "validation_error")
                        let fields = (reply.json["error"] as? [String: Any])?["fields"] as? [[String: Any]]
                        #expect(["page", "_page"].contains(fields?.first?["name"] as? String ?? ""))
                    } else {
                        #expect((reply.json["metaData"] as? [String: Any])?["pageSize"] as? Int == 1)
                    }
                }
            }
            #expect(seen == statuses)
        }
    }
}
