import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxSandbox
import NIOCore
import PostgresNIO
import Testing

/// The host's "Enable invoicing" button, end to end through the REST API and the sandbox.
@Suite struct InvoicingEndpointTests {
    @Test func inviteThenActivateWithTheCodeTheTenantReceived() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel")
            let initial = try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()
            #expect(initial["state"] as? String == "disabled")

            let notInvited = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"123456789"}"#)
            #expect(notInvited.problemCode == "not_invited")

            let invited = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/invite", json: #"{"email":"gm@hotel.example"}"#)
            #expect(invited.status == .ok)
            #expect(try invited.json()["state"] as? String == "invited")
            #expect(try invited.json()["invitedEmail"] as? String == "gm@hotel.example")

            let wrong = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"000000000"}"#)
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.problemCode == "activation_code_rejected")
            #expect(try wrong.json()["providerRequestId"] as? String != nil)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()["state"] as? String == "invited")

            // No schema while the tenant only asks: an enabled tenant gets it ahead of its first invoice.
            let schemaQuery: PostgresQuery = "SELECT count(*) FROM folio.tenants WHERE id = \(UUID(uuidString: tenant)!) AND schema_version IS NOT NULL"
            #expect(try await api.database.scalar(schemaQuery, as: Int64.self) == 0)
            let code = try #require(await api.sandbox.state.activationCode(email: "gm@hotel.example"))
            let activated = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"\#(code)"}"#)
            #expect(activated.status == .ok)
            #expect(try await api.database.scalar(schemaQuery, as: Int64.self) == 1)
            let schemaName = TenantID(string: tenant)!.schemaName
            #expect(try await api.database.schemaExists(schemaName))
            let state = try activated.json()
            #expect(state["state"] as? String == "active")
            #expect(UUID(uuidString: state["merchantId"] as? String ?? "") != nil)
            #expect((state["tokenLastFour"] as? String)?.count == 4)
            #expect(state["hasNotificationKey"] as? Bool == false)
            #expect(state["token"] == nil)

            let stored = try await api.database.scalar("SELECT count(*) FROM folio.vault_secrets", as: Int64.self)
            #expect(stored == 1)
            #expect(
                try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/invite", json: #"{"email":"gm@hotel.example"}"#).problemCode == "invoicing_active")
        }
    }

    @Test func anActivationRepeatedWithItsKeyAnswersTheFirstResponse() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel")
            var headers = HTTPFields()
            headers[HTTPField.Name("Idempotency-Key")!] = "invite-1"
            #expect(try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/invite", json: #"{"email":"gm@hotel.example"}"#, headers: headers).status == .ok)
            let code = try #require(await api.sandbox.state.activationCode(email: "gm@hotel.example"))
            headers[HTTPField.Name("Idempotency-Key")!] = "activate-1"
            let first = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"\#(code)"}"#, headers: headers)
            #expect(first.status == .ok)
            // Without the key a second activation is refused; with it, the first answer comes back.
            let again = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"\#(code)"}"#, headers: headers)
            #expect(again.status == .ok)
            #expect(try again.json()["merchantId"] as? String == first.json()["merchantId"] as? String)
            let unkeyed = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"\#(code)"}"#)
            #expect(unkeyed.problemCode == "invoicing_active")
            let otherBody = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"111111111"}"#, headers: headers)
            #expect(otherBody.problemCode == "idempotency_key_reused")
        }
    }

    @Test func connectingAnExistingShopVerifiesTheTokenFirst() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel")
            let shop = await api.sandbox.state.addMerchant()
            let refused = try await api.send(
                .put, "/v1/tenants/\(tenant)/invoicing/credentials",
                json: #"{"merchantId":"\#(shop.id)","token":"ffffffffffffffffffffffffffffffff"}"#
            )
            #expect(refused.status == .unprocessableContent)
            #expect(refused.problemCode == "invalid_credentials")
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.vault_secrets", as: Int64.self) == 0)

            let accepted = try await api.send(
                .put, "/v1/tenants/\(tenant)/invoicing/credentials",
                json: #"{"merchantId":"\#(shop.id)","token":"\#(shop.token)","notificationKey":"\#(shop.notificationKey)"}"#
            )
            #expect(accepted.status == .ok)
            #expect(try accepted.json()["hasNotificationKey"] as? Bool == true)
            #expect(try accepted.json()["tokenLastFour"] as? String == String(shop.token.suffix(4)))
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.vault_secrets", as: Int64.self) == 2)

            let disabled = try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing")
            #expect(try disabled.json()["state"] as? String == "disabled")
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.vault_secrets", as: Int64.self) == 0)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()["state"] as? String == "disabled")
        }
    }

    /// The API variant is the provider's word: Folio keeps what the host chose, and the provider's
    /// default when it chose none, and the adapter calls the shop under it.
    @Test func theShopsAPIVariantIsKeptAsChosen() async throws {
        try await TestAPI.run { api in
            for (variant, stored) in [(#","apiPrefix":"l3""#, "l3"), ("", "v3")] {
                let tenant = try await api.createTenant("hotel-\(stored)")
                let shop = await api.sandbox.state.addMerchant()
                let connected = try await api.send(
                    .put, "/v1/tenants/\(tenant)/invoicing/credentials", json: #"{"merchantId":"\#(shop.id)","token":"\#(shop.token)"\#(variant)}"#
                )
                #expect(connected.status == .ok)
                let tenantID = try #require(UUID(uuidString: tenant))
                let prefix = try await api.database.scalar(
                    "SELECT api_prefix FROM folio.tenant_invoicing WHERE tenant_id = \(tenantID)", as: String.self)
                #expect(prefix == stored)
            }
        }
    }

    @Test(arguments: [
        (#"{"email":"not-an-email"}"#, "invite", "/email"),
        (#"{"email":"\#(String(repeating: "a", count: 95))@b.example"}"#, "invite", "/email"),
        (#"{"activationCode":""}"#, "activate", "/activationCode"),
        (#"{"activationCode":"12 34"}"#, "activate", "/activationCode"),
    ])
    func badInputNamesTheField(body: String, step: String, pointer: String) async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel")
            let response = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/\(step)", json: body)
            #expect(response.status == .unprocessableContent)
            let errors = try response.json()["errors"] as? [[String: Any]] ?? []
            #expect(errors.first?["pointer"] as? String == pointer)
        }
    }

    @Test func aTenantKeyReachesOnlyItsOwnInvoicing() async throws {
        try await TestAPI.run { api in
            let mine = try await api.createTenant("a")
            let theirs = try await api.createTenant("b")
            let key = try await api.createTenantKey(mine)
            #expect(try await api.send(.get, "/v1/tenants/\(mine)/invoicing", key: key).status == .ok)
            for (method, path, body) in [
                (HTTPRequest.Method.get, "/v1/tenants/\(theirs)/invoicing", nil as String?),
                (.delete, "/v1/tenants/\(theirs)/invoicing", nil),
                (.post, "/v1/tenants/\(theirs)/invoicing/invite", #"{"email":"x@y.example"}"#),
                (.post, "/v1/tenants/\(theirs)/invoicing/activate", #"{"activationCode":"1"}"#),
                (.put, "/v1/tenants/\(theirs)/invoicing/credentials", #"{"merchantId":"0f8fad5b-d9cb-469f-a165-70867728950e","token":"abcdefgh"}"#),
            ] {
                #expect(try await api.send(method, path, key: key, json: body).problemCode == "tenant_not_found", "\(method) \(path)")
            }
        }
    }

    @Test func aCanaryTokenNeverLeavesThroughALogAResponseOrAnError() async throws {
        let logs = CapturedLogs()
        try await TestAPI.run(logs: logs) { api in
            let canaryToken = "canary0token0\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
            let canaryKey = "canary0key0\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
            let tenant = try await api.createTenant("hotel")
            let shop = await api.sandbox.state.addMerchant(token: canaryToken, notificationKey: canaryKey)
            var bodies: [String] = []
            // Accepted, refused for another merchant, malformed, and read back in every way.
            for body in [
                #"{"merchantId":"\#(shop.id)","token":"\#(canaryToken)","notificationKey":"\#(canaryKey)"}"#,
                #"{"merchantId":"0f8fad5b-d9cb-469f-a165-70867728950e","token":"\#(canaryToken) x","notificationKey":"\#(canaryKey)"}"#,
                #"{"merchantId":"\#(shop.id)","token":"\#(canaryToken)","notificationKey":"\#(canaryKey)","extra":1}"#,
                #"{"merchantId":"\#(shop.id)","token":\#(canaryKey.count)}"#,
            ] {
                bodies.append(String(buffer: try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/credentials", json: body).body))
            }
            bodies.append(String(buffer: try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").body))
            bodies.append(String(buffer: try await api.send(.get, "/v1/tenants/\(tenant)").body))
            bodies.append(String(buffer: try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing").body))
            for body in bodies {
                #expect(!body.contains(canaryToken), "\(body)")
                #expect(!body.contains(canaryKey), "\(body)")
            }
            #expect(!logs.text.isEmpty)
            #expect(!logs.text.contains(canaryToken))
            #expect(!logs.text.contains(canaryKey))
            let audit = try await api.database.scalar(
                "SELECT count(*) FROM folio.vault_audit WHERE row_to_json(vault_audit)::text LIKE \("%canary%")",
                as: Int64.self
            )
            #expect(audit == 0)
        }
    }
}
