import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct APIKeyEndpointTests {
    func issue(_ api: TestAPI, tenant: String, label: String) async throws -> (id: String, key: String) {
        let body = try await api.send(.post, "/v1/tenants/\(tenant)/api-keys", json: #"{"label":"\#(label)"}"#).json()
        return (try #require(body["id"] as? String), try #require(body["key"] as? String))
    }

    @Test func aRevokedKeyIsRefusedRightAfterTheDelete() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel")
            let (id, key) = try await issue(api, tenant: tenant, label: "panel")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)", key: key).status == .ok)

            #expect(try await api.send(.delete, "/v1/tenants/\(tenant)/api-keys/\(id)").status == .noContent)
            let refused = try await api.send(.get, "/v1/tenants/\(tenant)", key: key)
            #expect(refused.status == .unauthorized)
            #expect(refused.problemCode == "invalid_api_key")
            // Revoking again changes nothing.
            #expect(try await api.send(.delete, "/v1/tenants/\(tenant)/api-keys/\(id)").status == .noContent)
        }
    }

    @Test func theListShowsMetadataAndNeverAKey() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel")
            let used = try await issue(api, tenant: tenant, label: "panel")
            let revoked = try await issue(api, tenant: tenant, label: "old")
            _ = try await api.send(.get, "/v1/tenants/\(tenant)", key: used.key)
            _ = try await api.send(.delete, "/v1/tenants/\(tenant)/api-keys/\(revoked.id)")

            let response = try await api.send(.get, "/v1/tenants/\(tenant)/api-keys")
            #expect(response.status == .ok)
            let items = try #require(try response.json()["items"] as? [[String: Any]])
            #expect(items.map { $0["id"] as? String } == [used.id, revoked.id])
            #expect(items.map { $0["label"] as? String } == ["panel", "old"])
            #expect(items.map { $0["revoked"] as? Bool } == [false, true])
            #expect(items[0]["lastUsedAt"] is String && items[0]["revokedAt"] == nil)
            #expect(items[1]["revokedAt"] is String && items[0]["createdAt"] is String)
            #expect(items.allSatisfy { $0["tenantId"] as? String == tenant && $0["key"] == nil })
            let text = String(buffer: response.body)
            #expect(!text.contains(used.key) && !text.contains(revoked.key))
        }
    }

    @Test func aTenantKeyListsAndRevokesOnlyItsOwnTenantsKeys() async throws {
        try await TestAPI.run { api in
            let tenantA = try await api.createTenant("tenant-a")
            let tenantB = try await api.createTenant("tenant-b")
            let keyA = try await issue(api, tenant: tenantA, label: "a")
            let spareA = try await issue(api, tenant: tenantA, label: "a-spare")
            let keyB = try await issue(api, tenant: tenantB, label: "b")

            #expect(try await api.send(.get, "/v1/tenants/\(tenantA)/api-keys", key: keyA.key).status == .ok)
            #expect(try await api.send(.get, "/v1/tenants/\(tenantB)/api-keys", key: keyA.key).problemCode == "tenant_not_found")
            #expect(try await api.send(.delete, "/v1/tenants/\(tenantB)/api-keys/\(keyB.id)", key: keyA.key).problemCode == "tenant_not_found")
            // B's key named under A's path is not A's key.
            #expect(try await api.send(.delete, "/v1/tenants/\(tenantA)/api-keys/\(keyB.id)", key: keyA.key).problemCode == "api_key_not_found")
            #expect(try await api.send(.get, "/v1/tenants/\(tenantB)", key: keyB.key).status == .ok)

            #expect(try await api.send(.delete, "/v1/tenants/\(tenantA)/api-keys/\(spareA.id)", key: keyA.key).status == .noContent)
            #expect(try await api.send(.get, "/v1/tenants/\(tenantA)", key: spareA.key).problemCode == "invalid_api_key")
            // A key may retire itself.
            #expect(try await api.send(.delete, "/v1/tenants/\(tenantA)/api-keys/\(keyA.id)", key: keyA.key).status == .noContent)
            #expect(try await api.send(.get, "/v1/tenants/\(tenantA)/api-keys", key: keyA.key).problemCode == "invalid_api_key")
        }
    }

    @Test func badAndUnknownIdentifiersAreProblems() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel")
            let unknownTenant = "0f8fad5b-d9cb-469f-a165-70867728950e"
            let malformed = try await api.send(.delete, "/v1/tenants/\(tenant)/api-keys/not-a-uuid")
            #expect(malformed.status == .badRequest)
            #expect(malformed.problemCode == "invalid_parameter")
            let unknown = try await api.send(.delete, "/v1/tenants/\(tenant)/api-keys/\(UUID().uuidString)")
            #expect(unknown.status == .notFound)
            #expect(unknown.problemCode == "api_key_not_found")
            #expect(try await api.send(.delete, "/v1/tenants/\(unknownTenant)/api-keys/\(UUID().uuidString)").problemCode == "tenant_not_found")
            #expect(try await api.send(.get, "/v1/tenants/\(unknownTenant)/api-keys").problemCode == "tenant_not_found")
            #expect(try await api.send(.get, "/v1/tenants/not-a-uuid/api-keys").problemCode == "invalid_parameter")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/api-keys", key: .some(nil)).problemCode == "missing_api_key")
        }
    }
}
