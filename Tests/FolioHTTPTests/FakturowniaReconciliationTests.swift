import FakturowniaSandbox
import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoicingService
import PaymentsPort
import PostgresNIO
import StatusUpdater
import Testing

/// Invoices the tenant makes inside Fakturownia appear in Folio's list, marked as made there, from
/// the account's `invoice:create` webhook and from the account reconciliation, which also catches
/// up what lost webhooks would have said (fakturownia-api.md §5, §9, §13).
@Suite struct FakturowniaReconciliationTests {
    /// Two positions: a room hire of two units at 23 % and one and a half hours of service at 8 %.
    static func applicationDocument(currency: String = "PLN", description: String? = "Wynajem sali", tax: String = "8") -> Data {
        let described = description.map { #""description":"\#($0)","# } ?? ""
        return Data(
            """
            {"kind":"vat","buyer_name":"Jan Kowalski",\(described)"currency":"\(currency)",
             "positions":[{"name":"Sala konferencyjna","quantity":"2","tax":"23","total_price_gross":"1230.00"},
                          {"name":"Obsługa","quantity":"1.5","tax":"\(tax)","total_price_gross":"54.00"}]}
            """.utf8)
    }

    /// A tenant with its Fakturownia account opened through the API.
    static func accountTenant(_ api: TestAPI, prefix: String) async throws -> String {
        let tenant = try await api.createTenant(prefix)
        let opened = try await api.send(
            .post, "/v1/tenants/\(tenant)/invoicing/account", json: FakturowniaWhiteLabelTests.openAccountBody(prefix: prefix))
        #expect(opened.status == .ok, "\(String(buffer: opened.body))")
        return tenant
    }

    /// The user issues a document in the application; returns its id.
    static func makeInApplication(_ state: FakturowniaState, prefix: String, body: Data = applicationDocument()) async throws -> Int {
        let reply = try await state.createInApplication(prefix: prefix, body: body)
        let object = try JSONSerialization.jsonObject(with: reply.body) as? [String: Any]
        return try #require(object?["id"] as? Int)
    }

    static func invoices(_ api: TestAPI, tenant: String, reservationID: String? = nil) async throws -> [[String: Any]] {
        let query = reservationID.map { "?reservationId=\($0)" } ?? ""
        return try await api.send(.get, "/v1/tenants/\(tenant)/invoices\(query)").json()["items"] as? [[String: Any]] ?? []
    }

    static func imported(_ api: TestAPI, tenant: String, document: Int) async throws -> [[String: Any]] {
        try await invoices(api, tenant: tenant, reservationID: "fakturownia:\(document)")
    }

    static func reconciler(_ api: TestAPI, interval: Duration = .zero, pageSize: Int = 100) -> AccountReconciler {
        AccountReconciler(
            client: api.database, book: api.book, accountProviders: [.fakturownia], logger: TestDatabase.logger, interval: interval,
            pageSize: pageSize, overlap: .zero)
    }

    /// The pages of the account's list Folio asked for, in order.
    static func listedPages(_ state: FakturowniaState, prefix: String) async -> [String] {
        await state.requests.filter { $0.method == "GET" && $0.prefix == prefix && $0.path.hasSuffix("invoices.json") }.compactMap { record in
            let page = record.redactedQuery.split(separator: "&").first { $0.hasPrefix("page=") }
            return page.map { String($0.dropFirst("page=".count)) }
        }
    }

    /// How far the account's changes were read, if any reading finished.
    static func watermark(_ api: TestAPI, tenant: String) async throws -> Date? {
        let id = try #require(UUID(uuidString: tenant))
        return try await api.database.scalar("SELECT account_synced_through FROM folio.tenant_invoicing WHERE tenant_id = \(id)", as: Date?.self) ?? nil
    }

    /// Drops every later delivery, once those already sent are answered: a delivery re-reads its
    /// document when it arrives, so one still on its way would report what happens after.
    static func dropWebhooks(_ state: FakturowniaState) async throws {
        try await awaitDeliveries(state)
        await state.updateConfiguration { $0.dropWebhookDeliveries = true }
    }

    /// Waits up to ten seconds for every delivery sent to be answered.
    static func awaitDeliveries(_ state: FakturowniaState) async throws {
        #expect(
            try await eventually(timeout: .seconds(10), poll: .milliseconds(50)) {
                await !state.deliveries.contains { $0.outcome == "pending" }
            })
    }

    @Test func aDocumentMadeInTheApplicationAppearsInTheListMarkedAndFollowsItsPayment() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let state = try #require(api.fakturownia).state
            let tenant = try await Self.accountTenant(api, prefix: "hotel-bryza")
            let folioMade = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody())
            #expect(try folioMade.json()["origin"] as? String == "folio")

            let document = try await Self.makeInApplication(state, prefix: "hotel-bryza")
            var found: [[String: Any]] = []
            _ = try await eventually(timeout: .seconds(10), poll: .milliseconds(50)) {
                found = try await Self.imported(api, tenant: tenant, document: document)
                return !found.isEmpty
            }
            let invoice = try #require(found.first)
            #expect(found.count == 1)
            #expect(invoice["origin"] as? String == "provider")
            #expect(invoice["providerOrderId"] as? String == String(document))
            #expect(invoice["status"] as? String == "open")
            #expect(invoice["currency"] as? String == "PLN")
            #expect(invoice["amount"] as? Int == 123_000 + 5_400)
            // 23 % in 1,230.00 and 8 % in 54.00.
            #expect(invoice["vatAmount"] as? Int == 23_000 + 400)
            #expect(invoice["description"] as? String == "Wynajem sali")
            let items = try #require(invoice["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(items.first?["name"] as? String == "Sala konferencyjna")
            #expect(items.first?["quantity"] as? Int == 2)
            #expect(items.first?["unitPrice"] as? Int == 61_500)
            #expect(items.first?["vatCode"] as? String == "PL_VAT23")
            #expect(items.first?["vatAmount"] as? Int == 23_000)
            // A fractional quantity is one unit at the line's total.
            #expect(items.last?["quantity"] as? Int == 1)
            #expect(items.last?["amount"] as? Int == 5_400)
            #expect(items.last?["vatCode"] as? String == "PL_VAT8")
            let documentLinks = try #require(invoice["document"] as? [String: Any])
            #expect((documentLinks["number"] as? String)?.hasPrefix("FV") == true)
            #expect(documentLinks["pdfUrl"] != nil)
            try await Self.awaitDeliveries(state)
            #expect(await state.deliveries.contains { $0.kind == "invoice:create" && $0.invoiceID == document && $0.httpStatus == 200 })

            let invoiceID = try #require(invoice["id"] as? String)
            let events = try await api.send(.get, "/v1/tenants/\(tenant)/events").json()["items"] as? [[String: Any]] ?? []
            let created = events.filter { ($0["data"] as? [String: Any])?["invoiceId"] as? String == invoiceID }.compactMap { $0["type"] as? String }
            #expect(created == ["invoice.created"])

            // The guest pays it in Fakturownia: the imported invoice follows, like Folio's own.
            _ = try await state.payAsGuest(prefix: "hotel-bryza", invoiceID: document)
            let paid = try await FakturowniaWhiteLabelTests.awaitStatus("paid", api: api, tenant: tenant, invoice: invoiceID)
            #expect(paid["status"] as? String == "paid")
            #expect(paid["origin"] as? String == "provider")
            // Folio's list shows both, and nothing else.
            #expect(try await Self.invoices(api, tenant: tenant).count == 2)
        }
    }

    @Test func missedWebhooksAreCaughtUpByTheAccountReconciliation() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let state = try #require(api.fakturownia).state
            let tenant = try await Self.accountTenant(api, prefix: "hotel-fala")
            let created = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody())
            let folioInvoice = try created.json()
            let invoiceID = try #require(folioInvoice["id"] as? String)
            let providerOrderID = try #require(folioInvoice["providerOrderId"] as? String)
            let folioDocument = try #require(Int(providerOrderID))

            try await Self.dropWebhooks(state)
            _ = try await state.payAsGuest(prefix: "hotel-fala", invoiceID: folioDocument)
            let document = try await Self.makeInApplication(state, prefix: "hotel-fala")
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()["status"] as? String == "open")
            #expect(try await Self.imported(api, tenant: tenant, document: document).isEmpty)
            #expect(await state.deliveries.filter { $0.outcome == "dropped" }.count >= 2)

            #expect(try await Self.reconciler(api).runOnce() == 1)
            let paid = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()
            #expect(paid["status"] as? String == "paid")
            #expect(paid["origin"] as? String == "folio")
            let imported = try await Self.imported(api, tenant: tenant, document: document)
            #expect(imported.count == 1)
            #expect(imported.first?["origin"] as? String == "provider")
            #expect(imported.first?["amount"] as? Int == 128_400)
            let types = (try await api.send(.get, "/v1/tenants/\(tenant)/events").json()["items"] as? [[String: Any]] ?? []).compactMap {
                $0["type"] as? String
            }
            #expect(types.filter { $0 == "invoice.paid" }.count == 1)
            #expect(types.filter { $0 == "invoice.created" }.count == 2)

            // An account read is not due again before its interval.
            #expect(try await Self.reconciler(api, interval: .seconds(300)).runOnce() == 1)
            #expect(try await Self.reconciler(api, interval: .seconds(300)).runOnce() == 0)
        }
    }

    @Test func importingADocumentTwiceKeepsOneInvoice() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let state = try #require(api.fakturownia).state
            let tenant = try await Self.accountTenant(api, prefix: "hotel-wydma")
            try await Self.dropWebhooks(state)
            let document = try await Self.makeInApplication(state, prefix: "hotel-wydma")
            let tenantID = TenantID(try #require(UUID(uuidString: tenant)))
            let shop = try await api.book.accountShop(of: tenantID)
            let order = try #require(try await api.book.documents(page: 1, pageSize: 100, shop: shop).items.first { $0.id == String(document) })

            async let first = api.book.importDocument(order, tenant: tenantID, provider: .fakturownia)
            async let second = api.book.importDocument(order, tenant: tenantID, provider: .fakturownia)
            let (one, other) = try await (first, second)
            #expect(one?.id != nil)
            #expect(one?.id == other?.id)
            #expect(one?.madeAtProvider == true)
            // The reconciliation and a late webhook find it held.
            #expect(try await Self.reconciler(api).runOnce() == 1)
            let again = try await api.book.takeDocument(order, tenant: tenantID, provider: .fakturownia)
            guard case .applied(let held) = again else {
                Issue.record("a held document was not applied to its invoice: \(again)")
                return
            }
            #expect(held.id == one?.id)
            #expect(try await Self.imported(api, tenant: tenant, document: document).count == 1)
            let events = try await api.send(.get, "/v1/tenants/\(tenant)/events").json()["items"] as? [[String: Any]] ?? []
            #expect(events.filter { $0["type"] as? String == "invoice.created" }.count == 1)
        }
    }

    @Test func pagingStopsAtTheWatermark() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let state = try #require(api.fakturownia).state
            let tenant = try await Self.accountTenant(api, prefix: "hotel-mola")
            try await Self.dropWebhooks(state)
            for _ in 0..<5 {
                _ = try await Self.makeInApplication(state, prefix: "hotel-mola")
                // Timestamps are written to the millisecond: each document gets its own.
                try await Task.sleep(for: .milliseconds(5))
            }
            let reconciler = Self.reconciler(api, pageSize: 2)

            // The first reading has no watermark: it reads to the short last page.
            #expect(try await reconciler.runOnce() == 1)
            #expect(await Self.listedPages(state, prefix: "hotel-mola") == ["1", "2", "3"])
            #expect(try await Self.invoices(api, tenant: tenant).count == 5)
            #expect(try await Self.watermark(api, tenant: tenant) != nil)

            // One new document: page 1 holds it, page 2 is wholly older than the watermark.
            let newest = try await Self.makeInApplication(state, prefix: "hotel-mola")
            #expect(try await reconciler.runOnce() == 1)
            #expect(await Self.listedPages(state, prefix: "hotel-mola") == ["1", "2", "3", "1", "2"])
            #expect(try await Self.imported(api, tenant: tenant, document: newest).count == 1)
            #expect(try await Self.invoices(api, tenant: tenant).count == 6)

            // Nothing new: the page that holds the watermark's own document (changed at, not
            // before, the watermark, so read again) and the next, wholly older one.
            #expect(try await reconciler.runOnce() == 1)
            #expect(await Self.listedPages(state, prefix: "hotel-mola") == ["1", "2", "3", "1", "2", "1", "2"])
            #expect(try await Self.invoices(api, tenant: tenant).count == 6)
        }
    }

    @Test func aDocumentInACurrencyFolioDoesNotKnowIsSkippedWithoutFailingThePass() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let state = try #require(api.fakturownia).state
            let tenant = try await Self.accountTenant(api, prefix: "hotel-zatoka")
            // Delivered by webhook: answered, and not imported.
            let forints = try await Self.makeInApplication(state, prefix: "hotel-zatoka", body: Self.applicationDocument(currency: "HUF"))
            #expect(
                try await eventually(timeout: .seconds(10), poll: .milliseconds(50)) {
                    await state.deliveries.contains { $0.invoiceID == forints && $0.httpStatus == 200 }
                })

            try await Self.dropWebhooks(state)
            let unknownRate = try await Self.makeInApplication(state, prefix: "hotel-zatoka", body: Self.applicationDocument(tax: "disabled"))
            let zloty = try await Self.makeInApplication(state, prefix: "hotel-zatoka", body: Self.applicationDocument(description: nil))
            #expect(try await Self.reconciler(api).runOnce() == 1)
            #expect(try await Self.imported(api, tenant: tenant, document: forints).isEmpty)
            #expect(try await Self.imported(api, tenant: tenant, document: unknownRate).isEmpty)
            let imported = try await Self.imported(api, tenant: tenant, document: zloty)
            #expect(imported.count == 1)
            #expect((imported.first?["description"] as? String)?.hasPrefix("Invoice FV") == true)
            #expect(try await Self.invoices(api, tenant: tenant).count == 1)
            #expect(try await Self.watermark(api, tenant: tenant) != nil)
        }
    }

    @Test func twoReplicasNeverReadOneAccountAtOnce() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let state = try #require(api.fakturownia).state
            _ = try await Self.accountTenant(api, prefix: "hotel-klif")
            try await Self.dropWebhooks(state)
            _ = try await Self.makeInApplication(state, prefix: "hotel-klif")
            async let one = Self.reconciler(api, interval: .seconds(300)).runOnce()
            async let other = Self.reconciler(api, interval: .seconds(300)).runOnce()
            #expect(try await one + other == 1)
            #expect(await Self.listedPages(state, prefix: "hotel-klif") == ["1"])
        }
    }
}
