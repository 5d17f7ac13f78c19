import AsyncHTTPClient
import FakturowniaSandbox
import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PostgresNIO
import Testing

/// The white-label case with Fakturownia, through the REST API against the simulator: the
/// platform opens (or the tenant connects) the account, an invoice per reservation, the list,
/// the guest's payment reported by webhook, the PDF, the e-mail, payments taken elsewhere, and
/// disabling.
@Suite struct FakturowniaWhiteLabelTests {
    /// Two nights at 450.00 PLN with 8 % VAT and two breakfasts at 23 %, for a company guest.
    static func invoiceBody(reservationID: String = "PL-2026-0815") -> String {
        """
        {"reservationId":"\(reservationID)","description":"Pobyt w Hotelu Aurora","currency":"PLN","language":"pl",
         "customer":{"type":"legal","name":"Żagiel sp. z o.o.","vatNumber":"5252248481","email":"ksiegowosc@zagiel.example"},
         "items":[{"sku":"ROOM","name":"Pokój standard, 2 noce","quantity":2,"unitPrice":45000,"vatCode":"PL_VAT8","measure":"noc"},
                  {"sku":"BRKF","name":"Śniadanie","quantity":2,"unitPrice":6150,"vatCode":"PL_VAT23"}]}
        """
    }

    static func openAccountBody(prefix: String) -> String {
        #"{"provider":"fakturownia","fakturownia":{"prefix":"\#(prefix)","email":"recepcja@\#(prefix).example","company":{"name":"Hotel Aurora sp. z o.o.","taxNumber":"5252248481","city":"Gdynia"}}}"#
    }

    /// Polls the invoice until `status`, for up to ten seconds: the simulator's webhook arrives on its own.
    static func awaitStatus(_ status: String, api: TestAPI, tenant: String, invoice: String) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        _ = try await eventually("the invoice did not become \(status)", timeout: .seconds(10), poll: .milliseconds(50)) {
            last = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()
            return last["status"] as? String == status
        }
        return last
    }

    @Test func thePlatformOpensTheAccountAndTheGuestsPaymentArrivesByWebhook() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.createTenant("aurora-gdynia")

            // Enable: the partner opens the account, Folio registers its three webhooks.
            let opened = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/account", json: Self.openAccountBody(prefix: "hotel-aurora"))
            #expect(opened.status == .ok, "\(String(buffer: opened.body))")
            let state = try opened.json()
            #expect(state["state"] as? String == "active")
            #expect(state["provider"] as? String == "fakturownia")
            let account = try #require(state["fakturownia"] as? [String: Any])
            #expect(account["prefix"] as? String == "hotel-aurora")
            #expect(account["webhooks"] as? Int == 3)
            #expect((state["capabilities"] as? [String])?.contains("email_document") == true)
            #expect(!String(buffer: opened.body).contains(await fakturownia.state.apiToken(of: "hotel-aurora") ?? "no token"))
            let webhooks = await fakturownia.state.webhookURLs(prefix: "hotel-aurora")
            #expect(webhooks.count == 3)
            #expect(webhooks.allSatisfy { $0.contains("/v1/providers/fakturownia/webhooks/\(tenant)/invoice:") })

            // An invoice for the reservation, a VAT document in the account's series.
            let created = try await api.createInvoice(tenant, body: Self.invoiceBody())
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let invoice = try created.json()
            let invoiceID = try #require(invoice["id"] as? String)
            #expect(invoice["status"] as? String == "open")
            #expect(invoice["amount"] as? Int == 2 * 45000 + 2 * 6150)
            // 8 % in 90,000 and 23 % in 12,300: 6,667 + 2,300.
            #expect(invoice["vatAmount"] as? Int == 6667 + 2300)
            let document = try #require(invoice["document"] as? [String: Any])
            let pdfURL = try #require((document["pdfUrl"] as? String).flatMap(URL.init(string:)))
            #expect(document["number"] as? String != nil)
            #expect((document["viewUrl"] as? String)?.contains("/invoice/") == true)
            #expect(await fakturownia.state.invoiceIDs(prefix: "hotel-aurora", oid: invoiceID).count == 1)

            // The panel's list.
            let list = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            #expect((list["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [invoiceID])

            // The guest pays inside Fakturownia; its webhook moves the invoice, with the host's event.
            let providerOrderID = try #require(invoice["providerOrderId"] as? String)
            let documentID = try #require(Int(providerOrderID))
            _ = try await fakturownia.state.payAsGuest(prefix: "hotel-aurora", invoiceID: documentID)
            let paid = try await Self.awaitStatus("paid", api: api, tenant: tenant, invoice: invoiceID)
            #expect(paid["status"] as? String == "paid")
            #expect(paid["paidAt"] != nil)
            let events = try await api.send(.get, "/v1/tenants/\(tenant)/events").json()["items"] as? [[String: Any]] ?? []
            #expect(events.compactMap { $0["type"] as? String }.contains("invoice.paid"))
            // The simulator records Folio's answer once it arrives, which may be after the read above.
            #expect(
                try await eventually(timeout: .seconds(10), poll: .milliseconds(50)) {
                    await fakturownia.state.deliveries.contains { $0.kind == "invoice:update" && $0.httpStatus == 200 }
                })

            // The tenant voids the paid document inside Fakturownia: a ledger's void returns no
            // money, so the invoice stays paid and the host hears nothing new.
            let token = try #require(await fakturownia.state.apiToken(of: "hotel-aurora"))
            let fakturowniaURL = try #require(api.fakturowniaURL)
            var reject = HTTPClientRequest(
                url: fakturowniaURL.appendingPathComponent("hotel-aurora/invoices/\(documentID)/change_status.json").absoluteString
                    + "?api_token=\(token)&status=rejected")
            reject.method = .POST
            #expect(try await api.httpClient.execute(reject, timeout: .seconds(10)).status.code == 200)
            #expect(
                try await eventually(timeout: .seconds(10), poll: .milliseconds(50)) {
                    await fakturownia.state.deliveries.filter { $0.kind == "invoice:update" && $0.httpStatus == 200 }.count >= 2
                })
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()["status"] as? String == "paid")
            let eventsAfterVoid = try await api.send(.get, "/v1/tenants/\(tenant)/events").json()["items"] as? [[String: Any]] ?? []
            #expect(eventsAfterVoid.count == events.count)

            // The PDF link needs no credentials and is a PDF.
            let pdf = try await api.httpClient.execute(HTTPClientRequest(url: pdfURL.absoluteString), timeout: .seconds(10))
            #expect(pdf.status.code == 200)
            let bytes = try await pdf.body.collect(upTo: 1 << 20)
            #expect(String(buffer: bytes).hasPrefix("%PDF"))

            // The document e-mailed to the guest.
            let sent = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/send", json: #"{"attachPdf":true}"#)
            #expect(sent.status == .ok, "\(String(buffer: sent.body))")
            #expect(await fakturownia.state.emails.contains { $0.invoiceID == documentID && $0.withPDF })

            // Disable removes the webhooks from the account and the secrets from the vault.
            let disabled = try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing")
            #expect(disabled.status == .ok, "\(String(buffer: disabled.body))")
            #expect(await fakturownia.state.webhookURLs(prefix: "hotel-aurora").isEmpty)
            let secrets = try await api.database.scalar(
                "SELECT count(*) FROM folio.vault_secrets WHERE tenant_id = \(UUID(uuidString: tenant)!)", as: Int64.self)
            #expect(secrets == 0)
        }
    }

    /// Every log line of the whole case, at trace level: neither the account's token nor the
    /// webhook secret Folio generated may appear in any of them.
    @Test func neitherTheTokenNorTheWebhookSecretReachesALogLine() async throws {
        let logs = CapturedLogs()
        try await TestAPI.run(logs: logs, listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.createTenant("kanarek")
            let opened = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/account", json: Self.openAccountBody(prefix: "kanarek"))
            #expect(opened.status == .ok)
            let created = try await api.createInvoice(tenant, body: Self.invoiceBody())
            let invoice = try created.json()
            let invoiceID = try #require(invoice["id"] as? String)
            let providerOrderID = try #require(invoice["providerOrderId"] as? String)
            let documentID = try #require(Int(providerOrderID))
            _ = try await fakturownia.state.payAsGuest(prefix: "kanarek", invoiceID: documentID)
            _ = try await Self.awaitStatus("paid", api: api, tenant: tenant, invoice: invoiceID)
            _ = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/send", json: "{}")
            // A delivery with a wrong secret is logged as refused, without either secret.
            _ = try await api.send(
                .post, "/v1/providers/fakturownia/webhooks/\(tenant)/invoice:update", key: .some(nil),
                json: #"{"id":\#(documentID),"api_token":"guessed-secret-value"}"#)
            let secrets = await fakturownia.state.webhookSecrets(prefix: "kanarek")
            #expect(secrets.count == 3)
            _ = try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing")

            let token = try #require(await fakturownia.state.apiToken(of: "kanarek"))
            let text = logs.text
            #expect(text.contains("invoicing activated"), "the logs were captured")
            #expect(!text.contains(token))
            #expect(!text.contains("guessed-secret-value"))
            for secret in secrets { #expect(!text.contains(secret)) }
        }
    }

    @Test func aConnectedAccountRecordsPaymentsTakenAtTheDesk() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            await fakturownia.state.addAccount(prefix: "pensjonat-mewa", apiToken: "mewa-token-0123456789")
            let tenant = try await api.createTenant("mewa")

            let wrong = try await api.send(
                .put, "/v1/tenants/\(tenant)/invoicing/account",
                json: #"{"provider":"fakturownia","fakturownia":{"prefix":"pensjonat-mewa","apiToken":"not-the-token-000"}}"#)
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.problemCode == "invalid_credentials")
            #expect(await fakturownia.state.webhookURLs(prefix: "pensjonat-mewa").isEmpty)

            let connected = try await api.send(
                .put, "/v1/tenants/\(tenant)/invoicing/account",
                json: #"{"provider":"fakturownia","fakturownia":{"prefix":"pensjonat-mewa","apiToken":"mewa-token-0123456789"}}"#)
            #expect(connected.status == .ok, "\(String(buffer: connected.body))")
            #expect(!String(buffer: connected.body).contains("mewa-token-0123456789"))
            #expect((try connected.json()["fakturownia"] as? [String: Any])?["loginUrl"] == nil)
            #expect(await fakturownia.state.webhookURLs(prefix: "pensjonat-mewa").count == 3)
            // Only Invoicebox signs notifications with a shop's key.
            let key = try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/notification-key", json: #"{"key":"a-shop-key-0123456789"}"#)
            #expect(key.status == .conflict)
            #expect(key.problemCode == "not_supported_by_provider")

            let created = try await api.createInvoice(tenant, body: Self.invoiceBody(reservationID: "MEWA-1"))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let invoiceID = try #require(try created.json()["id"] as? String)
            let payments = "/v1/tenants/\(tenant)/invoices/\(invoiceID)/payments"

            let part = try await api.send(.post, payments, json: #"{"amount":50000,"method":"cash"}"#)
            #expect(part.status == .ok, "\(String(buffer: part.body))")
            #expect(try part.json()["status"] as? String == "partially_paid")
            // Money is recorded on it, so it is not voided.
            let cancel = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/cancel")
            #expect(cancel.status == .conflict)
            #expect(cancel.problemCode == "invoice_not_cancelable")
            let rest = try await api.send(.post, payments, json: #"{"amount":52300,"method":"card at the desk"}"#)
            #expect(try rest.json()["status"] as? String == "paid")
            let more = try await api.send(.post, payments, json: #"{"amount":1}"#)
            #expect(more.status == .conflict)
            #expect(more.problemCode == "invoice_not_payable")

            // The echo of Folio's own payment comes back by webhook and changes nothing more.
            try await Task.sleep(for: .milliseconds(300))
            let types = (try await api.send(.get, "/v1/tenants/\(tenant)/events").json()["items"] as? [[String: Any]] ?? []).compactMap {
                $0["type"] as? String
            }
            #expect(types.filter { $0 == "invoice.paid" }.count == 1)
            #expect(types.filter { $0 == "invoice.partially_paid" }.count == 1)
        }
    }

    @Test func aWebhookWithoutTheTenantsSecretIsRefusedAndChangesNothing() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let tenant = try await api.createTenant("aurora-sopot")
            _ = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/account", json: Self.openAccountBody(prefix: "aurora-sopot"))
            let created = try await api.createInvoice(tenant, body: Self.invoiceBody())
            let invoice = try created.json()
            let documentID = try #require(invoice["providerOrderId"] as? String)
            let path = "/v1/providers/fakturownia/webhooks/\(tenant)/invoice:update"
            for body in [
                #"{"id":\#(documentID),"deal":{"status":"paid","paid":true},"api_token":"guessed-secret"}"#,
                #"{"id":\#(documentID),"deal":{"status":"paid","paid":true}}"#,
            ] {
                let refused = try await api.send(.post, path, key: .some(nil), json: body)
                #expect(refused.status.code == (body.contains("api_token") ? 401 : 400))
            }
            let unknownTenant = try await api.send(.post, "/v1/providers/fakturownia/webhooks/\(UUID())/invoice:update", key: .some(nil), json: "{}")
            #expect([400, 404].contains(unknownTenant.status.code))
            let after = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(try #require(invoice["id"] as? String))").json()
            #expect(after["status"] as? String == "open")
        }
    }

    @Test(arguments: [FakturowniaConfiguration.AccountWithoutIntegrationToken.refuse, .createWithoutToken])
    func aPartnerAccountWithoutTheVendorsCodeIsAnOperatorsProblem(_ mode: FakturowniaConfiguration.AccountWithoutIntegrationToken) async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            // The vendor's code the platform holds is not (or no longer) the one it issued.
            await fakturownia.state.updateConfiguration {
                $0.integrationToken = "another-integration-code"
                $0.accountWithoutIntegrationToken = mode
            }
            let tenant = try await api.createTenant("bez-kodu")
            let refused = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/account", json: Self.openAccountBody(prefix: "bez-kodu"))
            #expect(refused.status == .serviceUnavailable, "\(String(buffer: refused.body))")
            #expect(refused.problemCode == "provider_not_configured")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()["state"] as? String == "disabled")
        }
    }

    @Test func anAccountWhoseWebhooksFailIsKeptAndEnablingAgainRegistersThem() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.createTenant("bez-webhookow")
            await fakturownia.state.inject(FakturowniaFault(kind: .status, method: "POST", pathContains: "webhooks", status: 503, count: 10))
            let opened = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/account", json: Self.openAccountBody(prefix: "bez-webhookow"))
            #expect(opened.status == .ok, "\(String(buffer: opened.body))")
            // The account the provider opened is kept, with its token, and invoices can be made.
            #expect(try opened.json()["state"] as? String == "active")
            #expect((try opened.json()["fakturownia"] as? [String: Any])?["webhooks"] as? Int == 0)
            #expect(await fakturownia.state.accountPrefixes() == ["bez-webhookow"])
            #expect(try await api.createInvoice(tenant, body: Self.invoiceBody()).status == .created)

            await fakturownia.state.clearFaults()
            let again = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/account", json: Self.openAccountBody(prefix: "bez-webhookow"))
            #expect(again.status == .ok, "\(String(buffer: again.body))")
            #expect((try again.json()["fakturownia"] as? [String: Any])?["webhooks"] as? Int == 3)
            #expect(await fakturownia.state.webhookURLs(prefix: "bez-webhookow").count == 3)
            // No second account was opened; with its webhooks in place, enabling again is refused.
            #expect(await fakturownia.state.accountPrefixes() == ["bez-webhookow"])
            let third = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/account", json: Self.openAccountBody(prefix: "bez-webhookow"))
            #expect(third.status == .conflict)
            #expect(third.problemCode == "invoicing_active")
        }
    }

    @Test func anInvoiceboxTenantIsToldWhatItsProviderDoesNotDo() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let (tenant, _) = try await api.activeTenant("severnaya")
            let created = try await api.createInvoice(tenant)
            let invoiceID = try #require(try created.json()["id"] as? String)
            let send = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/send", json: "{}")
            #expect(send.status == .conflict)
            #expect(send.problemCode == "not_supported_by_provider")
            let payment = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/payments", json: #"{"amount":100}"#)
            #expect(payment.problemCode == "not_supported_by_provider")
            // A Polish VAT code is not Invoicebox's.
            let polish = try await api.createInvoice(tenant, body: Self.invoiceBody())
            #expect(polish.status == .unprocessableContent)
            let pointers = (try polish.json()["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String }
            #expect(pointers.contains("/currency"))
            #expect(pointers.contains("/items/0/vatCode"))
        }
    }
}
