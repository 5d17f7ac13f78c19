import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct IsolationTests {
    @Test func aTenantKeyFindsNothingOfAnotherTenant() async throws {
        try await TestAPI.run { api in
            let tenantA = try await api.createTenant("tenant-a")
            let tenantB = try await api.createTenant("tenant-b")
            let keyA = try await api.createTenantKey(tenantA)

            let pathsOfB: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/tenants/\(tenantB)", nil),
                (.delete, "/v1/tenants/\(tenantB)", nil),
                (.post, "/v1/tenants/\(tenantB)/api-keys", "{}"),
            ]
            for (method, path, body) in pathsOfB {
                let response = try await api.send(method, path, key: keyA, json: body)
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(response.problemCode == "tenant_not_found", "\(method) \(path)")
            }
            // B is untouched, and A's own tenant is readable with A's key.
            #expect(try await api.send(.get, "/v1/tenants/\(tenantB)").status == .ok)
            #expect(try await api.send(.get, "/v1/tenants/\(tenantA)", key: keyA).status == .ok)
        }
    }

    @Test func platformOperationsRefuseTenantKeys() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("tenant-a")
            let key = try await api.createTenantKey(tenant)
            let operations: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/tenants", nil),
                (.post, "/v1/tenants", #"{"externalId":"sneaky"}"#),
                (.delete, "/v1/tenants/\(tenant)", nil),
                (.post, "/v1/tenants/\(tenant)/api-keys", "{}"),
            ]
            for (method, path, body) in operations {
                let response = try await api.send(method, path, key: key, json: body)
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(response.problemCode == "forbidden", "\(method) \(path)")
            }
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)").status == .ok)
        }
    }
}
