import FakturowniaSandbox
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxSandbox
import NIOCore
import PostgresNIO
import Testing

/// A tenant on Fakturownia and a tenant on Invoicebox side by side: neither sees, moves nor
/// disables anything of the other, and neither's invoices reach the other's provider.
@Suite struct ProviderIsolationTests {
    /// The two tenants, each with an open invoice at its own provider.
    struct Neighbours {
        let polish: String
        let polishPrefix = "aurora-gdansk"
        let polishInvoice: String
        let polishDocument: Int
        let russian: String
        let russianShop: String
        let russianNotificationKey: String
        let russianInvoice: OpenInvoice
    }

    static func neighbours(_ api: TestAPI) async throws -> Neighbours {
        let polish = try await api.fakturowniaTenant("aurora-gdansk", prefix: "aurora-gdansk")
        let created = try await api.createInvoice(polish, body: FakturowniaWhiteLabelTests.invoiceBody())
        let invoice = try created.json()
        #expect(created.status == .created, "\(String(buffer: created.body))")
        let (russian, shop, key) = try await api.signedTenant("aurora-kazan")
        let russianInvoice = try await api.openInvoice(russian, merchantID: shop)
        return Neighbours(
            polish: polish, polishInvoice: try #require(invoice["id"] as? String),
            polishDocument: try #require((invoice["providerOrderId"] as? String).flatMap(Int.init)), russian: russian, russianShop: shop,
            russianNotificationKey: key, russianInvoice: russianInvoice)
    }

    static func secretCount(_ api: TestAPI, tenant: String) async throws -> Int64? {
        try await api.database.scalar("SELECT count(*) FROM folio.vault_secrets WHERE tenant_id = \(UUID(uuidString: tenant)!)", as: Int64.self)
    }

    @Test func eachTenantKeySeesOnlyItsOwnInvoicesAndInvoicing() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let both = try await Self.neighbours(api)
            let polishKey = try await api.createTenantKey(both.polish)
            let russianKey = try await api.createTenantKey(both.russian)

            for (tenant, key, own, provider) in [
                (both.polish, polishKey, both.polishInvoice, "fakturownia"), (both.russian, russianKey, both.russianInvoice.invoiceID, "invoicebox"),
            ] {
                let list = try await api.send(.get, "/v1/tenants/\(tenant)/invoices", key: .some(key)).json()
                #expect((list["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [own])
                let state = try await api.send(.get, "/v1/tenants/\(tenant)/invoicing", key: .some(key))
                #expect(state.status == .ok)
                #expect(try state.json()["provider"] as? String == provider)
            }
            // Each key, on the other tenant's paths: that tenant does not exist for it.
            for (key, other, otherInvoice) in [
                (polishKey, both.russian, both.russianInvoice.invoiceID), (russianKey, both.polish, both.polishInvoice),
            ] {
                for path in [
                    "/v1/tenants/\(other)/invoices", "/v1/tenants/\(other)/invoices/\(otherInvoice)", "/v1/tenants/\(other)/invoicing",
                    "/v1/tenants/\(other)/events",
                ] {
                    let response = try await api.send(.get, path, key: .some(key))
                    #expect(response.status == .notFound, "\(path)")
                    #expect(response.problemCode == "tenant_not_found", "\(path)")
                }
                let disable = try await api.send(.delete, "/v1/tenants/\(other)/invoicing", key: .some(key))
                #expect(disable.problemCode == "tenant_not_found")
            }
            // Under its own tenant, the other tenant's invoice id names nothing.
            let crossed = try await api.send(.get, "/v1/tenants/\(both.polish)/invoices/\(both.russianInvoice.invoiceID)", key: .some(polishKey))
            #expect(crossed.problemCode == "invoice_not_found")
            let crossedBack = try await api.send(.post, "/v1/tenants/\(both.russian)/invoices/\(both.polishInvoice)/sync", key: .some(russianKey))
            #expect(crossedBack.problemCode == "invoice_not_found")
            #expect(try await api.send(.get, "/v1/tenants/\(both.polish)/invoicing", key: .some(polishKey)).json()["state"] as? String == "active")
            #expect(try await api.send(.get, "/v1/tenants/\(both.russian)/invoicing", key: .some(russianKey)).json()["state"] as? String == "active")
        }
    }

    @Test func eachInvoiceReachesOnlyItsTenantsProvider() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let both = try await Self.neighbours(api)
            _ = try await api.createInvoice(both.polish, body: FakturowniaWhiteLabelTests.invoiceBody(reservationID: "PL-2"))
            _ = try await api.openInvoice(both.russian, merchantID: both.russianShop, reservationID: "RU-2")

            // Invoicebox holds the Russian tenant's two orders and was asked to create nothing else.
            #expect(await api.providerOrderCount(merchantID: both.russianShop) == 2)
            let creates = await api.sandbox.state.requests().filter { $0.method == "POST" && $0.path.hasSuffix("/order/order") }
            #expect(creates.count == 2)
            // Fakturownia holds the Polish tenant's two documents in its one account, and was
            // never called for another account.
            #expect(await fakturownia.state.accountPrefixes() == [both.polishPrefix])
            #expect(try await fakturownia.documentCount(api, prefix: both.polishPrefix) == 2)
            let prefixes = Set(await fakturownia.state.requests.compactMap(\.prefix))
            #expect(prefixes.isSubset(of: [both.polishPrefix, FakturowniaConfiguration().partnerPrefix]))
            #expect(await fakturownia.state.invoiceIDs(prefix: both.polishPrefix, oid: both.russianInvoice.invoiceID).isEmpty)
            #expect(await fakturownia.state.invoiceIDs(prefix: both.polishPrefix, oid: both.polishInvoice) == [both.polishDocument])
        }
    }

    @Test func aDeliveryForOneTenantCarryingTheOthersSecretOrDocumentChangesNothing() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let both = try await Self.neighbours(api)
            // A second Fakturownia tenant, whose secret and document a delivery to the first names.
            let other = try await api.fakturowniaTenant("aurora-sopot", prefix: "aurora-sopot")
            let otherInvoice = try await api.createInvoice(other, body: FakturowniaWhiteLabelTests.invoiceBody()).json()
            let otherDocument = try #require(otherInvoice["providerOrderId"] as? String)
            let otherSecret = try #require(try await fakturownia.webhookSecret(api, prefix: "aurora-sopot"))
            let ownSecret = try #require(try await fakturownia.webhookSecret(api, prefix: both.polishPrefix))
            #expect(otherSecret != ownSecret)
            _ = try await fakturownia.state.payAsGuest(prefix: "aurora-sopot", invoiceID: try #require(Int(otherDocument)))

            let polishHook = "/v1/providers/fakturownia/webhooks/\(both.polish)/invoice:update"
            let deliveries: [(String, String, Int)] = [
                // The other Fakturownia tenant's secret: refused.
                (polishHook, #"{"id":\#(both.polishDocument),"deal":{"status":"paid"},"api_token":"\#(otherSecret)"}"#, 401),
                // The Invoicebox tenant's notification key as the secret: refused.
                (polishHook, #"{"id":\#(both.polishDocument),"deal":{"status":"paid"},"api_token":"\#(both.russianNotificationKey)"}"#, 401),
                // Its own secret, naming the other account's (paid) document: read with its own
                // token, that document is not in its account, so nothing moves.
                (polishHook, #"{"id":\#(otherDocument),"deal":{"status":"paid"},"api_token":"\#(ownSecret)"}"#, 200),
                // The Fakturownia route of the Invoicebox tenant, which has no account webhooks.
                (
                    "/v1/providers/fakturownia/webhooks/\(both.russian)/invoice:update",
                    #"{"id":\#(both.polishDocument),"deal":{"status":"paid"},"api_token":"\#(ownSecret)"}"#, 404
                ),
            ]
            for (path, body, status) in deliveries {
                let answer = try await api.send(.post, path, key: .some(nil), json: body)
                #expect(answer.status.code == status, "\(path) \(body.prefix(40)): \(String(buffer: answer.body))")
            }
            // Nothing moved: the paid document's own tenant hears of it only through its own account's webhook.
            let otherID = try #require(otherInvoice["id"] as? String)
            #expect(try await api.send(.get, "/v1/tenants/\(other)/invoices/\(otherID)").json()["status"] as? String == "open")
            #expect(try await api.send(.get, "/v1/tenants/\(both.polish)/invoices/\(both.polishInvoice)").json()["status"] as? String == "open")
            #expect(try await api.invoiceCount(both.polish) == 1)
            #expect(try await api.invoiceStatus(both.russianInvoice) == "open")
            #expect(try await api.eventTypes(both.polish).allSatisfy { !$0.hasPrefix("invoice.paid") })
        }
    }

    @Test func anInvoiceboxNotificationForTheFakturowniaTenantIsRefused() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let both = try await Self.neighbours(api)
            try await api.sandbox.state.pay(orderID: both.russianInvoice.orderID)
            // The Russian shop's notification of its paid order, signed with its key, sent to
            // the Polish tenant's Invoicebox address.
            let body = try await api.notificationBody(both.russianInvoice)
            let answer = try await api.notify(both.polish, body: body, signature: sign(body, key: both.russianNotificationKey))
            #expect(answer["status"] as? String != "success", "\(answer)")
            #expect(answer["code"] as? String != nil)
            #expect(try await api.send(.get, "/v1/tenants/\(both.polish)/invoices/\(both.polishInvoice)").json()["status"] as? String == "open")
            #expect(try await api.invoiceStatus(both.russianInvoice) == "open")
            #expect(try await api.invoiceCount(both.polish) == 1)
        }
    }

    @Test func disablingOneTenantLeavesTheOthersSecretsAndAccount() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let both = try await Self.neighbours(api)
            let polishSecrets = try #require(try await Self.secretCount(api, tenant: both.polish))
            let russianSecrets = try #require(try await Self.secretCount(api, tenant: both.russian))
            #expect(polishSecrets >= 2)
            #expect(russianSecrets >= 1)

            // The Invoicebox tenant disables (its open invoice canceled first): the Fakturownia
            // tenant keeps its token, secret and webhooks.
            let canceled = try await api.send(.post, "/v1/tenants/\(both.russian)/invoices/\(both.russianInvoice.invoiceID)/cancel")
            #expect(canceled.status == .ok, "\(String(buffer: canceled.body))")
            let russianDisabled = try await api.send(.delete, "/v1/tenants/\(both.russian)/invoicing")
            #expect(russianDisabled.status == .ok, "\(String(buffer: russianDisabled.body))")
            #expect(try await Self.secretCount(api, tenant: both.russian) == 0)
            #expect(try await Self.secretCount(api, tenant: both.polish) == polishSecrets)
            #expect(await fakturownia.state.webhookURLs(prefix: both.polishPrefix).count == 3)
            let polishCreate = try await api.createInvoice(both.polish, body: FakturowniaWhiteLabelTests.invoiceBody(reservationID: "PL-3"))
            #expect(polishCreate.status == .created, "\(String(buffer: polishCreate.body))")

            // The Fakturownia tenant disables: another Invoicebox tenant keeps its own.
            let (again, shop, _) = try await api.signedTenant("aurora-samara")
            let againSecrets = try #require(try await Self.secretCount(api, tenant: again))
            for invoice in [both.polishInvoice, try #require(try polishCreate.json()["id"] as? String)] {
                let canceled = try await api.send(.post, "/v1/tenants/\(both.polish)/invoices/\(invoice)/cancel")
                #expect(canceled.status == .ok, "\(String(buffer: canceled.body))")
            }
            let polishDisabled = try await api.send(.delete, "/v1/tenants/\(both.polish)/invoicing")
            #expect(polishDisabled.status == .ok, "\(String(buffer: polishDisabled.body))")
            #expect(try await Self.secretCount(api, tenant: both.polish) == 0)
            #expect(await fakturownia.state.webhookURLs(prefix: both.polishPrefix).isEmpty)
            #expect(try await Self.secretCount(api, tenant: again) == againSecrets)
            #expect(try await api.createInvoice(again).status == .created)
            #expect(await api.providerOrderCount(merchantID: shop) == 1)
        }
    }
}

extension FakturowniaSandbox {
    /// The secret Folio set on the account's `invoice:update` webhook, as the account's API shows it.
    func webhookSecret(_ api: TestAPI, prefix: String) async throws -> String? {
        let hooks = try await read(api, prefix: prefix, path: "webhooks.json") as? [[String: Any]] ?? []
        return hooks.first { $0["kind"] as? String == "invoice:update" }?["api_token"] as? String
    }
}
