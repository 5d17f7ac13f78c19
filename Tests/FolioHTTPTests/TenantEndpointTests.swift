import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct TenantEndpointTests {
    @Test func createReadListAndDeleteATenant() async throws {
        try await TestAPI.run { api in
            let created = try await api.send(.post, "/v1/tenants", json: #"{"externalId":"hotel-4711","displayName":"Hotel Aurora"}"#)
            #expect(created.status == .created)
            let tenant = try created.json()
            let id = try #require(tenant["id"] as? String)
            #expect(tenant["externalId"] as? String == "hotel-4711")
            #expect(tenant["displayName"] as? String == "Hotel Aurora")

            let repeated = try await api.send(.post, "/v1/tenants", json: #"{"externalId":"hotel-4711"}"#)
            #expect(repeated.status == .ok)
            #expect(try repeated.json()["id"] as? String == id)

            let read = try await api.send(.get, "/v1/tenants/\(id)")
            #expect(read.status == .ok)
            #expect(try read.json()["externalId"] as? String == "hotel-4711")

            let list = try await api.send(.get, "/v1/tenants?limit=10")
            let items = try #require(try list.json()["items"] as? [[String: Any]])
            #expect(items.map { $0["id"] as? String } == [id])
            #expect(try list.json()["nextCursor"] == nil)

            #expect(try await api.send(.delete, "/v1/tenants/\(id)").status == .noContent)
            #expect(try await api.send(.get, "/v1/tenants/\(id)").problemCode == "tenant_not_found")
        }
    }

    @Test func theListIsPagedByCursor() async throws {
        try await TestAPI.run { api in
            var ids: [String] = []
            for index in 0..<3 { ids.append(try await api.createTenant("host-user-\(index)")) }
            let first = try await api.send(.get, "/v1/tenants?limit=2").json()
            let cursor = try #require(first["nextCursor"] as? String)
            let second = try await api.send(.get, "/v1/tenants?limit=2&cursor=\(cursor)").json()
            let pageIDs = [first, second].flatMap { ($0["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }
            #expect(pageIDs == ids)
            #expect(second["nextCursor"] == nil)
        }
    }

    @Test func tenantKeysAreShownOnceAndWorkForTheirTenant() async throws {
        try await TestAPI.run { api in
            let id = try await api.createTenant("hotel")
            let issued = try await api.send(.post, "/v1/tenants/\(id)/api-keys", json: #"{"label":"panel"}"#)
            #expect(issued.status == .created)
            let body = try issued.json()
            let key = try #require(body["key"] as? String)
            #expect(body["tenantId"] as? String == id)
            #expect(body["label"] as? String == "panel")
            #expect(try await api.send(.get, "/v1/tenants/\(id)", key: key).status == .ok)
            // A body is optional when there is no label to give.
            #expect(try await api.send(.post, "/v1/tenants/\(id)/api-keys").status == .created)
        }
    }

    @Test func requestIDsAreEchoedOrGenerated() async throws {
        try await TestAPI.run { api in
            let echoed = try await api.send(.get, "/health/live", headers: [.init("X-Request-Id")!: "trace-123"])
            #expect(echoed.headers[.init("X-Request-Id")!] == "trace-123")
            let generated = try await api.send(.get, "/health/live", headers: [.init("X-Request-Id")!: "bad id\u{7}"])
            let id = try #require(generated.headers[.init("X-Request-Id")!])
            #expect(UUID(uuidString: id) != nil)
            let problem = try await api.send(.get, "/v1/tenants", key: .some(nil), headers: [.init("X-Request-Id")!: "trace-456"])
            #expect(try problem.json()["requestId"] as? String == "trace-456")
        }
    }

    @Test func healthAndMetricsNeedNoKey() async throws {
        try await TestAPI.run { api in
            #expect(try await api.send(.get, "/health/live", key: .some(nil)).status == .ok)
            let ready = try await api.send(.get, "/health/ready", key: .some(nil))
            #expect(ready.status == .ok)
            #expect(try ready.json()["status"] as? String == "ok")
            _ = try await api.send(.get, "/v1/tenants")
            let metrics = try await api.send(.get, "/metrics", key: .some(nil))
            #expect(metrics.status == .ok)
            let text = String(buffer: metrics.body)
            #expect(text.contains("http_server_request_duration"))
            #expect(text.contains(#"http_route="/v1/tenants""#))
        }
    }
}
