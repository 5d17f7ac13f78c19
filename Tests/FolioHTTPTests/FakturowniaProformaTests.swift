import FakturowniaSandbox
import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoicingService
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PaymentsPort
import PostgresNIO
import StatusUpdater
import Testing

/// A proforma for the prepayment, then the VAT invoice made from it once it is paid: issued once,
/// whichever way the payment arrives, and whatever is lost or dies on the way.
@Suite struct FakturowniaProformaTests {
    static func proformaBody(reservationID: String = "PL-2026-0901") -> String {
        let body = FakturowniaWhiteLabelTests.invoiceBody(reservationID: reservationID)
        return #"{"fakturownia":{"documentKind":"proforma"},"# + body.drop { $0 != "{" }.dropFirst()
    }

    /// A proforma for the tenant: Folio's invoice id and the proforma's id in the account.
    static func createProforma(_ api: TestAPI, tenant: String) async throws -> (invoiceID: String, proformaID: Int) {
        let created = try await api.createInvoice(tenant, body: proformaBody()).json()
        let invoiceID = try #require(created["id"] as? String)
        return (invoiceID, try #require((created["providerOrderId"] as? String).flatMap { Int($0) }))
    }

    static func events(_ api: TestAPI, tenant: String) async throws -> [[String: Any]] {
        try await api.send(.get, "/v1/tenants/\(tenant)/events").json()["items"] as? [[String: Any]] ?? []
    }

    /// Polls the invoice until its VAT invoice is recorded.
    static func awaitVATInvoice(_ api: TestAPI, tenant: String, invoice: String) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        _ = try await eventually("the VAT invoice was not recorded", timeout: .seconds(10), poll: .milliseconds(50)) {
            last = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()
            return (last["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "issued"
        }
        return last
    }

    @Test func theGuestPaysTheProformaAndTheVATInvoiceIsMadeFromIt() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("proforma-sopot", prefix: "proforma-sopot")
            let state = try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()
            #expect((state["capabilities"] as? [String])?.contains("proformas") == true)

            let created = try await api.createInvoice(tenant, body: Self.proformaBody())
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let invoice = try created.json()
            let invoiceID = try #require(invoice["id"] as? String)
            #expect(invoice["status"] as? String == "open")
            let document = try #require(invoice["document"] as? [String: Any])
            #expect(document["kind"] as? String == "proforma")
            #expect((document["number"] as? String)?.hasPrefix("PRO ") == true)
            let options = try #require(invoice["fakturownia"] as? [String: Any])
            #expect(options["documentKind"] as? String == "proforma")
            #expect(options["vatInvoice"] as? String == "awaiting_payment")
            let proformaID = try #require((invoice["providerOrderId"] as? String).flatMap { Int($0) })
            #expect(await fakturownia.state.invoiceSummary(prefix: "proforma-sopot", id: proformaID)?.kind == "proforma")
            #expect(await fakturownia.state.invoiceIDs(prefix: "proforma-sopot", oid: invoiceID + "-vat").isEmpty)

            // The guest pays the proforma; its webhook makes the invoice paid and the VAT invoice is issued from it.
            _ = try await fakturownia.state.payAsGuest(prefix: "proforma-sopot", invoiceID: proformaID)
            let issued = try await Self.awaitVATInvoice(api, tenant: tenant, invoice: invoiceID)
            #expect(issued["status"] as? String == "paid")
            let vatDocument = try #require(issued["document"] as? [String: Any])
            #expect(vatDocument["kind"] as? String == "vat")
            #expect((vatDocument["number"] as? String)?.hasPrefix("FV ") == true)
            #expect((vatDocument["pdfUrl"] as? String)?.hasSuffix(".pdf") == true)
            let proforma = try #require((issued["fakturownia"] as? [String: Any])?["proforma"] as? [String: Any])
            #expect(proforma["number"] as? String == document["number"] as? String)
            #expect(issued["providerOrderId"] as? String == String(proformaID))

            let vatIDs = await fakturownia.state.invoiceIDs(prefix: "proforma-sopot", oid: invoiceID + "-vat")
            #expect(vatIDs.count == 1)
            let vat = try #require(await fakturownia.state.invoiceSummary(prefix: "proforma-sopot", id: vatIDs.first ?? 0))
            #expect(vat.kind == "vat")
            #expect(vat.status == "paid")
            #expect(vat.fromInvoiceID == proformaID)

            // The host learns of the payment, then of the VAT invoice, with its links.
            let events = try await Self.events(api, tenant: tenant)
            let types = events.compactMap { $0["type"] as? String }
            #expect(types.filter { $0 == "invoice.document_issued" }.count == 1)
            #expect(types.firstIndex(of: "invoice.paid").map { $0 < (types.firstIndex(of: "invoice.document_issued") ?? -1) } == true)
            let issuedEvent = try #require(events.first { $0["type"] as? String == "invoice.document_issued" })
            let eventDocument = try #require((issuedEvent["data"] as? [String: Any])?["document"] as? [String: Any])
            #expect(eventDocument["number"] as? String == vatDocument["number"] as? String)

            // The VAT invoice's own webhooks come back: it is the invoice's second document, never an invoice of its own.
            try await FakturowniaReconciliationTests.awaitDeliveries(fakturownia.state)
            let vatID = try #require(vatIDs.first)
            #expect(await fakturownia.state.deliveries.contains { $0.invoiceID == vatID && $0.kind == "invoice:create" && $0.httpStatus == 200 })
            #expect(try await api.invoiceCount(tenant) == 1)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)

            // E-mailing the invoice now sends the VAT invoice.
            let sent = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/send", json: "{}")
            #expect(sent.status == .ok, "\(String(buffer: sent.body))")
            #expect(await fakturownia.state.emails.map(\.invoiceID) == vatIDs)
        }
    }

    @Test func aPaymentTheHostRecordsAnswersWithTheVATInvoice() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("proforma-desk", prefix: "proforma-desk")
            let invoiceID = try #require(try await api.createInvoice(tenant, body: Self.proformaBody()).json()["id"] as? String)
            let payments = "/v1/tenants/\(tenant)/invoices/\(invoiceID)/payments"

            // A part payment issues nothing yet.
            let part = try await api.send(.post, payments, json: #"{"amount":50000,"method":"transfer"}"#)
            #expect(try part.json()["status"] as? String == "partially_paid")
            #expect((try part.json()["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "awaiting_payment")
            #expect(await fakturownia.state.invoiceIDs(prefix: "proforma-desk", oid: invoiceID + "-vat").isEmpty)

            let rest = try await api.send(.post, payments, json: #"{"amount":52300,"method":"transfer"}"#)
            #expect(rest.status == .ok, "\(String(buffer: rest.body))")
            let paid = try rest.json()
            #expect(paid["status"] as? String == "paid")
            #expect((paid["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "issued")
            #expect((paid["document"] as? [String: Any])?["kind"] as? String == "vat")
            #expect(await fakturownia.state.invoiceIDs(prefix: "proforma-desk", oid: invoiceID + "-vat").count == 1)
        }
    }

    @Test func aLostAnswerIsAdoptedByItsOidAsOneVATInvoice() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("proforma-lossy", prefix: "proforma-lossy")
            let invoiceID = try #require(try await api.createInvoice(tenant, body: Self.proformaBody()).json()["id"] as? String)
            // The payment is recorded; Fakturownia makes the VAT invoice, then a proxy loses its answer.
            await fakturownia.state.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: FakturowniaCrashTests.invoicesPath))
            let paid = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/payments", json: #"{"amount":102300}"#)
            #expect(paid.status == .ok, "\(String(buffer: paid.body))")
            #expect((try paid.json()["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "issued")
            #expect(await fakturownia.state.invoiceIDs(prefix: "proforma-lossy", oid: invoiceID + "-vat").count == 1)
            #expect(try await Self.events(api, tenant: tenant).filter { $0["type"] as? String == "invoice.document_issued" }.count == 1)
        }
    }

    /// What a crash right after the payment's commit leaves (the invoice paid, its tax invoice
    /// queued, nothing issued) is what Fakturownia down at that moment leaves too; and an attempt
    /// that died after Fakturownia made the VAT invoice leaves it there, unrecorded.
    @Test func aVATInvoiceThatCouldNotBeIssuedIsIssuedOnceByTheRecoveryJob() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("proforma-down", prefix: "proforma-down")
            let (invoiceID, proformaID) = try await Self.createProforma(api, tenant: tenant)
            await fakturownia.state.inject(
                FakturowniaFault(kind: .status, method: "POST", pathContains: FakturowniaCrashTests.invoicesPath, status: 503, count: 1000))
            let paid = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/payments", json: #"{"amount":102300}"#)
            #expect(paid.status == .ok, "\(String(buffer: paid.body))")
            #expect(try paid.json()["status"] as? String == "paid")
            #expect((try paid.json()["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "issuing")
            #expect(try await api.database.scalar("SELECT kind FROM folio.pending_creations", as: String.self) == "tax_invoice")
            #expect(await fakturownia.state.invoiceIDs(prefix: "proforma-down", oid: invoiceID + "-vat").isEmpty)

            // A sync sees it paid, but the attempt right after the payment holds the row: nothing is posted again.
            let posts = await fakturownia.state.requests.filter { $0.method == "POST" && $0.path == "/invoices.json" }.count
            let synced = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/sync")
            #expect(synced.status == .ok, "\(String(buffer: synced.body))")
            #expect(await fakturownia.state.requests.filter { $0.method == "POST" && $0.path == "/invoices.json" }.count == posts)
            // Not due yet: the recovery job leaves the attempt's claim alone.
            #expect(try await api.recovery.runOnce() == 0)

            // An attempt that died after Fakturownia made the VAT invoice left it there; the recovery adopts it.
            await fakturownia.state.clearFaults()
            _ = try await fakturownia.state.createInApplication(
                prefix: "proforma-down",
                body: Data(#"{"copy_invoice_from":\#(proformaID),"kind":"vat","oid":"\#(invoiceID)-vat","status":"paid"}"#.utf8))
            let made = await fakturownia.state.invoiceIDs(prefix: "proforma-down", oid: invoiceID + "-vat")
            #expect(made.count == 1)
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            let issued = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()
            #expect((issued["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "issued")
            #expect(issued["document"].flatMap { ($0 as? [String: Any])?["kind"] as? String } == "vat")
            #expect(await fakturownia.state.invoiceIDs(prefix: "proforma-down", oid: invoiceID + "-vat") == made)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)

            // Another pass, or a late attempt, changes nothing and issues nothing more.
            try await api.database.query(
                "INSERT INTO folio.pending_creations (tenant_id, resource_id, kind, due_at) VALUES (\(UUID(uuidString: tenant)!), \(UUID(uuidString: invoiceID)!), 'tax_invoice', now())",
                logger: TestDatabase.logger)
            _ = try await api.recovery.runOnce()
            #expect(await fakturownia.state.invoiceIDs(prefix: "proforma-down", oid: invoiceID + "-vat") == made)
            #expect(try await Self.events(api, tenant: tenant).filter { $0["type"] as? String == "invoice.document_issued" }.count == 1)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)
        }
    }

    /// An invoice's creation and its tax invoice share the queue's key, one after the other: the
    /// creation's clean-up (a retry with the creating request's key) never removes the tax invoice.
    @Test func aResumedCreationLeavesTheQueuedVATInvoiceQueued() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("proforma-resume", prefix: "proforma-resume")
            let invoiceID = try #require(try await api.createInvoice(tenant, body: Self.proformaBody()).json()["id"] as? String)
            await fakturownia.state.inject(
                FakturowniaFault(kind: .status, method: "POST", pathContains: FakturowniaCrashTests.invoicesPath, status: 503, count: 1000))
            _ = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/payments", json: #"{"amount":102300}"#)
            let tenantID = TenantID(try #require(UUID(uuidString: tenant)))
            let id = try #require(UUID(uuidString: invoiceID))
            // Resuming answers the invoice the request's key names, whatever body came with it.
            let body = InvoiceRequest(
                reservationID: "PL-2026-0901", description: "Pobyt", currency: .pln, customer: OrderCustomer(kind: .private, name: "Jan Kowalski"),
                items: [])
            let resumed = try await api.book.create(tenantID, request: body, resuming: id)
            #expect(resumed.status == .paid)
            #expect(try await api.database.scalar("SELECT kind FROM folio.pending_creations", as: String.self) == "tax_invoice")
        }
    }

    /// The proforma's `invoice:update` is lost: the account reconciliation finds it paid, and the
    /// VAT invoice it then issues is read back as the invoice's second document, never imported.
    @Test func aProformaPaidWhileWebhooksAreLostGetsItsVATInvoiceFromTheReconciliation() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let state = try #require(api.fakturownia).state
            let tenant = try await FakturowniaReconciliationTests.accountTenant(api, prefix: "proforma-wydma")
            let (invoiceID, proformaID) = try await Self.createProforma(api, tenant: tenant)
            try await FakturowniaReconciliationTests.dropWebhooks(state)
            _ = try await state.payAsGuest(prefix: "proforma-wydma", invoiceID: proformaID)

            _ = try await FakturowniaReconciliationTests.reconciler(api).runOnce()
            let issued = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()
            #expect(issued["status"] as? String == "paid")
            #expect((issued["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "issued")
            #expect(await state.invoiceIDs(prefix: "proforma-wydma", oid: invoiceID + "-vat").count == 1)

            // The next reading sees the VAT invoice among the account's changes and keeps it as the invoice's.
            _ = try await FakturowniaReconciliationTests.reconciler(api).runOnce()
            #expect(try await api.invoiceCount(tenant) == 1)
            #expect(try await Self.events(api, tenant: tenant).filter { $0["type"] as? String == "invoice.document_issued" }.count == 1)
        }
    }

    /// The user issues the VAT invoice from the paid proforma inside Fakturownia before Folio
    /// hears of the payment: Folio adopts it as the invoice's VAT invoice and makes no second one.
    @Test func aVATInvoiceTheUserMadeFromTheProformaIsAdoptedNotIssuedAgain() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let state = try #require(api.fakturownia).state
            let tenant = try await FakturowniaReconciliationTests.accountTenant(api, prefix: "proforma-mola")
            let (invoiceID, proformaID) = try await Self.createProforma(api, tenant: tenant)
            try await FakturowniaReconciliationTests.dropWebhooks(state)
            _ = try await state.payAsGuest(prefix: "proforma-mola", invoiceID: proformaID)
            // The application's copy keeps the proforma's oid, Folio's invoice id.
            let made = try await FakturowniaReconciliationTests.makeInApplication(
                state, prefix: "proforma-mola", body: Data(#"{"copy_invoice_from":\#(proformaID),"kind":"vat","status":"paid"}"#.utf8))

            _ = try await FakturowniaReconciliationTests.reconciler(api).runOnce()
            let issued = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()
            #expect(issued["status"] as? String == "paid")
            #expect((issued["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "issued")
            #expect(await state.invoiceIDs(prefix: "proforma-mola", madeFrom: proformaID) == [made])
            #expect(await state.invoiceIDs(prefix: "proforma-mola", oid: invoiceID + "-vat").isEmpty)
            // The user's VAT invoice is the invoice's document, not an invoice of its own.
            #expect(try await api.invoiceCount(tenant) == 1)
            let number = (issued["document"] as? [String: Any])?["number"] as? String
            #expect(number?.hasPrefix("FV ") == true)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)
        }
    }

    /// Folio knows the proforma is paid but cannot reach Fakturownia to issue the VAT invoice; the
    /// user issues it in the application, and its `invoice:create` webhook settles the invoice.
    @Test func aVATInvoiceMadeInTheApplicationSettlesAWaitingInvoiceByWebhook() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("proforma-hel", prefix: "proforma-hel")
            let (invoiceID, proformaID) = try await Self.createProforma(api, tenant: tenant)
            await fakturownia.state.inject(
                FakturowniaFault(kind: .status, method: "POST", pathContains: FakturowniaCrashTests.invoicesPath, status: 503, count: 1000))
            let paid = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/payments", json: #"{"amount":102300}"#)
            #expect((try paid.json()["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "issuing")
            await fakturownia.state.clearFaults()

            let made = try await FakturowniaReconciliationTests.makeInApplication(
                fakturownia.state, prefix: "proforma-hel",
                body: Data(#"{"copy_invoice_from":\#(proformaID),"kind":"vat","status":"paid","oid":null}"#.utf8))
            let issued = try await Self.awaitVATInvoice(api, tenant: tenant, invoice: invoiceID)
            #expect(issued["providerOrderId"] as? String == String(proformaID))
            #expect(try await api.invoiceCount(tenant) == 1)
            // The queued issuing finds nothing left to do.
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            _ = try await api.recovery.runOnce()
            #expect(await fakturownia.state.invoiceIDs(prefix: "proforma-hel", madeFrom: proformaID) == [made])
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)
        }
    }

    /// The user's VAT invoice is no longer among the account's latest changes when Folio issues:
    /// it is found further down the list, which is read back to the proforma's issue day.
    @Test func aVATInvoiceMadeInTheApplicationLongBeforeIsFoundFurtherDownTheList() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let state = try #require(api.fakturownia).state
            let tenant = try await api.fakturowniaTenant("proforma-leba", prefix: "proforma-leba")
            let (invoiceID, proformaID) = try await Self.createProforma(api, tenant: tenant)
            // No listener: the account's webhooks do not reach Folio, which learns nothing of these.
            let made = try await FakturowniaReconciliationTests.makeInApplication(
                state, prefix: "proforma-leba", body: Data(#"{"copy_invoice_from":\#(proformaID),"kind":"vat","oid":null}"#.utf8))
            for _ in 0..<120 {
                _ = try await FakturowniaReconciliationTests.makeInApplication(state, prefix: "proforma-leba")
            }
            let paid = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/payments", json: #"{"amount":102300}"#)
            #expect((try paid.json()["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "issued")
            #expect(await state.invoiceIDs(prefix: "proforma-leba", madeFrom: proformaID) == [made])
            #expect(await state.invoiceIDs(prefix: "proforma-leba", oid: invoiceID + "-vat").isEmpty)
            let pages = await state.requests.filter { $0.method == "GET" && $0.path == "/invoices.json" && $0.redactedQuery.contains("page=") }
            #expect(pages.count == 2)
        }
    }

    /// A VAT invoice the user made from the proforma and voided, or of another total, is not the
    /// invoice's: Folio issues the VAT invoice itself.
    @Test func aVoidVATInvoiceMadeInTheApplicationIsNotAdopted() async throws {
        try await TestAPI.run(listening: true, fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("proforma-ustka", prefix: "proforma-ustka")
            let (invoiceID, proformaID) = try await Self.createProforma(api, tenant: tenant)
            await fakturownia.state.inject(
                FakturowniaFault(kind: .status, method: "POST", pathContains: FakturowniaCrashTests.invoicesPath, status: 503, count: 1000))
            _ = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/payments", json: #"{"amount":102300}"#)
            await fakturownia.state.clearFaults()
            let voided = try await FakturowniaReconciliationTests.makeInApplication(
                fakturownia.state, prefix: "proforma-ustka",
                body: Data(#"{"copy_invoice_from":\#(proformaID),"kind":"vat","status":"rejected","oid":null}"#.utf8))
            try await FakturowniaReconciliationTests.awaitDeliveries(fakturownia.state)
            let waiting = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()
            #expect((waiting["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "issuing")
            #expect(try await api.invoiceCount(tenant) == 1)

            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            let issued = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()
            #expect((issued["fakturownia"] as? [String: Any])?["vatInvoice"] as? String == "issued")
            let ours = await fakturownia.state.invoiceIDs(prefix: "proforma-ustka", oid: invoiceID + "-vat")
            #expect(ours.count == 1)
            #expect(await fakturownia.state.invoiceIDs(prefix: "proforma-ustka", madeFrom: proformaID) == [voided] + ours)
        }
    }

    @Test func anInvoiceboxTenantCannotAskForAProforma() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let (tenant, _) = try await api.activeTenant("proforma-volga")
            let body = #"{"fakturownia":{"documentKind":"proforma"},"# + TestAPI.invoiceBody().drop { $0 != "{" }.dropFirst()
            let refused = try await api.createInvoice(tenant, body: body)
            #expect(refused.status == .conflict, "\(String(buffer: refused.body))")
            #expect(refused.problemCode == "not_supported_by_provider")
            #expect(try await api.invoiceCount(tenant) == 0)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)
            // Asking for the VAT invoice, which is every provider's default, is no request for anything special.
            let plain = #"{"fakturownia":{"documentKind":"vat"},"# + TestAPI.invoiceBody().drop { $0 != "{" }.dropFirst()
            #expect(try await api.createInvoice(tenant, body: plain).status == .created)
        }
    }
}
