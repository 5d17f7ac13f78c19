import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxSandbox
import InvoicingService
import NIOCore
import PostgresNIO
import Testing
import TokenVault

/// Who may connect which shop, how often activation codes may be tried, and what happens to open
/// invoices when the shop changes.
@Suite struct ShopConnectionTests {
    static func credentials(_ merchantID: String, _ token: String, key: String? = nil) -> String {
        #"{"merchantId":"\#(merchantID)","token":"\#(token)""# + (key.map { #","notificationKey":"\#($0)"}"# } ?? "}")
    }

    @Test func aTokenCannotConnectAnotherShopsMerchantID() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("intruder")
            let victim = await api.sandbox.state.addMerchant()
            let own = await api.sandbox.state.addMerchant()
            let refused = try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/credentials", json: Self.credentials(victim.id, own.token))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.problemCode == "merchant_not_owned")
            #expect((try refused.json()["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/merchantId")
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.vault_secrets", as: Int64.self) == 0)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()["state"] as? String == "disabled")
        }
    }

    @Test func aMerchantIsConnectedToOneTenantAtMost() async throws {
        try await TestAPI.run { api in
            let first = try await api.createTenant("first")
            let second = try await api.createTenant("second")
            let shop = await api.sandbox.state.addMerchant()
            #expect(try await api.send(.put, "/v1/tenants/\(first)/invoicing/credentials", json: Self.credentials(shop.id, shop.token)).status == .ok)
            let refused = try await api.send(.put, "/v1/tenants/\(second)/invoicing/credentials", json: Self.credentials(shop.id.uppercased(), shop.token))
            #expect(refused.status == .conflict)
            #expect(refused.problemCode == "merchant_already_connected")
            #expect(try await api.send(.get, "/v1/tenants/\(second)/invoicing").json()["state"] as? String == "disabled")
            #expect(
                try await api.database.scalar("SELECT count(*) FROM folio.vault_secrets WHERE tenant_id = \(UUID(uuidString: second)!)", as: Int64.self) == 0)

            // Once the first tenant lets it go, the shop may move.
            #expect(try await api.send(.delete, "/v1/tenants/\(first)/invoicing").status == .ok)
            #expect(try await api.send(.put, "/v1/tenants/\(second)/invoicing/credentials", json: Self.credentials(shop.id, shop.token)).status == .ok)
        }
    }

    @Test func concurrentConnectionsOfOneMerchantLetExactlyOneWin() async throws {
        try await TestAPI.run { api in
            let shop = await api.sandbox.state.addMerchant()
            var tenants: [String] = []
            for index in 0..<4 { tenants.append(try await api.createTenant("hotel-\(index)")) }
            let statuses = try await withThrowingTaskGroup(of: String?.self) { group in
                for tenant in tenants {
                    group.addTask {
                        let response = try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/credentials", json: Self.credentials(shop.id, shop.token))
                        return response.status == .ok ? "ok" : response.problemCode
                    }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == "ok" }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == "merchant_already_connected" }.count == 3, "\(statuses)")
        }
    }

    @Test func activationCodesCanBeTriedOnlyAFewTimesPerWindow() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("guesser")
            #expect(try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/invite", json: #"{"email":"gm@guesser.example"}"#).status == .ok)
            let code = try #require(await api.sandbox.state.activationCode(email: "gm@guesser.example"))
            for guess in 0..<5 {
                let wrong = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"00000000\#(guess)"}"#)
                #expect(wrong.problemCode == "activation_code_rejected")
            }
            // Even the right code waits for the window now.
            let limited = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"\#(code)"}"#)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.problemCode == "too_many_attempts")
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            #expect((1...900).contains(retryAfter))

            // Another tenant is not affected.
            let other = try await api.createTenant("honest")
            #expect(try await api.send(.post, "/v1/tenants/\(other)/invoicing/invite", json: #"{"email":"gm@honest.example"}"#).status == .ok)
            let otherCode = try #require(await api.sandbox.state.activationCode(email: "gm@honest.example"))
            #expect(try await api.send(.post, "/v1/tenants/\(other)/invoicing/activate", json: #"{"activationCode":"\#(otherCode)"}"#).status == .ok)

            // The window passes (moved in the database rather than waited for).
            try await api.database.query(
                "UPDATE folio.activation_attempts SET attempted_at = attempted_at - interval '15 minutes' WHERE tenant_id = \(UUID(uuidString: tenant)!)",
                logger: TestDatabase.logger
            )
            #expect(try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"\#(code)"}"#).status == .ok)
        }
    }

    @Test func openInvoicesKeepTheirShopUntilTheySettle() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel")
            let shop = await api.sandbox.state.addMerchant()
            let other = await api.sandbox.state.addMerchant()
            #expect(try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/credentials", json: Self.credentials(shop.id, shop.token)).status == .ok)
            let created = try await api.createInvoice(tenant)
            #expect(created.status == .created)
            let invoiceID = try #require(try created.json()["id"] as? String)

            let moved = try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/credentials", json: Self.credentials(other.id, other.token))
            #expect(moved.status == .conflict)
            #expect(moved.problemCode == "invoicing_has_open_invoices")
            #expect(try moved.json()["openInvoices"] as? Int == 1)
            let disabled = try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing")
            #expect(disabled.problemCode == "invoicing_has_open_invoices")
            #expect(try disabled.json()["openInvoices"] as? Int == 1)
            let state = try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()
            #expect(state["state"] as? String == "active")
            #expect(state["merchantId"] as? String == shop.id)
            // The same shop again (a new notification key, say) changes nothing for its invoices.
            #expect(
                try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/credentials", json: Self.credentials(shop.id, shop.token, key: shop.notificationKey))
                    .status == .ok)

            #expect(try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/cancel").status == .ok)
            #expect(try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/credentials", json: Self.credentials(other.id, other.token)).status == .ok)
            #expect(try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing").status == .ok)
        }
    }

    @Test func aRefundTheProviderHasNotSettledKeepsItsShopToo() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel")
            let shop = await api.sandbox.state.addMerchant()
            #expect(try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/credentials", json: Self.credentials(shop.id, shop.token)).status == .ok)
            let (invoice, _) = try await api.paidInvoice(tenant)
            #expect(try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing").problemCode == nil, "a paid invoice needs nothing more")
            #expect(try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/credentials", json: Self.credentials(shop.id, shop.token)).status == .ok)
            let refund = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds", json: "{}")
            #expect(refund.status.code < 300)
            let disabled = try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing")
            #expect(disabled.problemCode == "invoicing_has_open_invoices")
            #expect(try disabled.json()["openInvoices"] as? Int == 1)
        }
    }

    @Test func concurrentConnectsAndDisablesNeverPairOneTokenWithAnotherMerchant() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel")
            let tenantID = try #require(TenantID(string: tenant))
            let first = await api.sandbox.state.addMerchant()
            let second = await api.sandbox.state.addMerchant()
            let tokens = [first.id: first.token, second.id: second.token]
            let vault = SecretVault(
                client: api.database, keys: KeyRing([KeyEncryptionKey(id: "test", material: Data(repeating: 7, count: 32))])!, logger: TestDatabase.logger)
            let tokenPurpose = try #require(VaultPurpose(InvoicingSecret.apiToken))
            let keyPurpose = try #require(VaultPurpose(InvoicingSecret.notificationKey))
            for round in 0..<30 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        _ = try await api.send(
                            .put, "/v1/tenants/\(tenant)/invoicing/credentials", json: Self.credentials(first.id, first.token, key: first.notificationKey))
                    }
                    group.addTask {
                        _ = try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/credentials", json: Self.credentials(second.id, second.token))
                    }
                    if round.isMultiple(of: 3) {
                        group.addTask { _ = try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing") }
                    }
                    try await group.waitForAll()
                }

                let state = try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()
                let token = try await vault.read(tenant: tenantID, purpose: tokenPurpose, actor: "test")
                let key = try await vault.read(tenant: tenantID, purpose: keyPurpose, actor: "test")
                if let merchantID = state["merchantId"] as? String {
                    #expect(token?.revealed == tokens[merchantID], "round \(round)")
                    #expect(key?.revealed == (merchantID == first.id ? first.notificationKey : nil), "round \(round)")
                } else {
                    #expect(token == nil && key == nil, "round \(round)")
                }
            }
        }
    }
}
