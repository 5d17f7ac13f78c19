import AsyncHTTPClient
import FakturowniaSandbox
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoicingService
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PostgresNIO
import Testing

/// A create or a payment whose answer is lost, a crash between the two commits, Fakturownia
/// down: whatever happens, one document per invoice in the account, and one payment per payment.
@Suite struct FakturowniaCrashTests {
    static let invoicesPath = "invoices.json"

    @Test func aLostCreateAnswerIsAdoptedByItsOidAsOneDocument() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("lossy-gdansk", prefix: "lossy-gdansk")
            // Fakturownia issues the document, then a proxy loses the answer.
            await fakturownia.state.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: Self.invoicesPath))
            let created = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody(), idempotencyKey: "lossy-1")
            #expect([201, 503].contains(created.status.code), "\(String(buffer: created.body))")
            let invoiceID = try #require(try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json().firstItemID)
            if created.status == .created {
                #expect(try created.json()["id"] as? String == invoiceID)
            } else {
                let retry = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody(), idempotencyKey: "lossy-1")
                #expect(retry.status == .created)
            }
            try await Self.expectOneOpenDocument(api, tenant: tenant, prefix: "lossy-gdansk", invoiceID: invoiceID)
            // The key answers the same invoice again, and still nothing more is issued.
            let replay = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody(), idempotencyKey: "lossy-1")
            #expect(try replay.json()["id"] as? String == invoiceID)
            #expect(await fakturownia.state.invoiceIDs(prefix: "lossy-gdansk", oid: invoiceID).count == 1)
            #expect(try await api.invoiceCount(tenant) == 1)
        }
    }

    @Test func aLostCreateAnswerWhoseLookUpFailsTooStaysPendingUntilTheRecoveryAdoptsIt() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("blind-sopot", prefix: "blind-sopot")
            // The document is made, its answer lost, and the look-up by oid fails as well.
            await fakturownia.state.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: Self.invoicesPath))
            await fakturownia.state.inject(FakturowniaFault(kind: .status, method: "GET", pathContains: Self.invoicesPath, status: 503, count: 50))
            let created = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody())
            #expect(created.status == .serviceUnavailable, "\(String(buffer: created.body))")
            #expect(created.problemCode == "provider_unavailable")
            let listed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            let invoiceID = try #require(listed.firstItemID)
            #expect((listed["items"] as? [[String: Any]])?.first?["status"] as? String == "pending")
            #expect(await fakturownia.state.invoiceIDs(prefix: "blind-sopot", oid: invoiceID).count == 1)

            await fakturownia.state.clearFaults()
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            try await Self.expectOneOpenDocument(api, tenant: tenant, prefix: "blind-sopot", invoiceID: invoiceID)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)
        }
    }

    @Test func aCrashBetweenTheTwoCommitsIsAdoptedByTheRecoveryJob() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("crashed-gdynia", prefix: "crashed-gdynia")
            // Fakturownia issues the document; the commit that would record it never happens.
            try await api.failNextSettlement(of: tenant)
            #expect(try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody()).status == .serviceUnavailable)
            let listed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            let invoiceID = try #require(listed.firstItemID)
            #expect((listed["items"] as? [[String: Any]])?.first?["status"] as? String == "pending")
            #expect(await fakturownia.state.invoiceIDs(prefix: "crashed-gdynia", oid: invoiceID).count == 1)

            // Not due yet: a creation that may still be running is left alone.
            #expect(try await api.recovery.runOnce() == 0)
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            try await Self.expectOneOpenDocument(api, tenant: tenant, prefix: "crashed-gdynia", invoiceID: invoiceID)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)
        }
    }

    @Test func aCrashBetweenTheTwoCommitsIsAdoptedByTheRetryWithItsKey() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("crashed-hel", prefix: "crashed-hel")
            try await api.failNextSettlement(of: tenant)
            let first = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody(), idempotencyKey: "hel-1")
            #expect(first.status == .serviceUnavailable)
            let invoiceID = try #require(try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json().firstItemID)
            let retry = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody(), idempotencyKey: "hel-1")
            #expect(retry.status == .created, "\(String(buffer: retry.body))")
            #expect(try retry.json()["id"] as? String == invoiceID)
            try await Self.expectOneOpenDocument(api, tenant: tenant, prefix: "crashed-hel", invoiceID: invoiceID)
            #expect(await fakturownia.state.invoiceIDs(prefix: "crashed-hel", oid: invoiceID).count == 1)
        }
    }

    @Test func anInvoiceMadeWhileFakturowniaIsDownIsFinishedWhenItIsBack() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("down-torun", prefix: "down-torun")
            await fakturownia.state.inject(FakturowniaFault(kind: .status, method: "POST", pathContains: Self.invoicesPath, status: 503, count: 1000))
            let created = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody())
            #expect(created.status == .serviceUnavailable, "\(String(buffer: created.body))")
            #expect(created.problemCode == "provider_unavailable")
            let invoiceID = try #require(try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json().firstItemID)
            #expect(await fakturownia.state.invoiceIDs(prefix: "down-torun", oid: invoiceID).isEmpty)

            // Still down: the recovery leaves it pending and issues nothing.
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 0)
            let stillPending = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()
            #expect(stillPending["status"] as? String == "pending")
            #expect(await fakturownia.state.invoiceIDs(prefix: "down-torun", oid: invoiceID).isEmpty)

            // Back: the recovery issues the one document.
            await fakturownia.state.clearFaults()
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            try await Self.expectOneOpenDocument(api, tenant: tenant, prefix: "down-torun", invoiceID: invoiceID)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)
        }
    }

    @Test func anIdempotencyKeyReplayAnswersTheSameInvoiceAndIssuesNoSecondDocument() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("busy-krakow", prefix: "busy-krakow")
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await api.createInvoice(
                            tenant, body: FakturowniaWhiteLabelTests.invoiceBody(), idempotencyKey: "same-reservation")
                        return (response.status.code, response.status == .created ? try response.json()["id"] as? String : response.problemCode)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = statuses.filter { $0.0 == 201 }
            #expect(created.count >= 1)
            #expect(created.count + statuses.filter { $0.0 == 409 && $0.1 == "idempotency_key_in_flight" }.count == 20)
            #expect(Set(created.map(\.1)).count == 1)
            let invoiceID = try #require(created.first?.1)

            let replay = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody(), idempotencyKey: "same-reservation")
            #expect(replay.status == .created)
            #expect(try replay.json()["id"] as? String == invoiceID)
            let reused = try await api.createInvoice(
                tenant, body: FakturowniaWhiteLabelTests.invoiceBody(reservationID: "PL-OTHER"), idempotencyKey: "same-reservation")
            #expect(reused.problemCode == "idempotency_key_reused")
            #expect(try await api.invoiceCount(tenant) == 1)
            #expect(await fakturownia.state.invoiceIDs(prefix: "busy-krakow", oid: invoiceID).count == 1)
            #expect(try await fakturownia.documentCount(api, prefix: "busy-krakow") == 1)
        }
    }

    @Test func aPaymentWhoseAnswerIsLostIsNotRecordedTwiceAfterTheHostSyncs() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("desk-olsztyn", prefix: "desk-olsztyn")
            let created = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody())
            let invoice = try created.json()
            let invoiceID = try #require(invoice["id"] as? String)
            let documentID = try #require((invoice["providerOrderId"] as? String).flatMap(Int.init))
            let path = "/v1/tenants/\(tenant)/invoices/\(invoiceID)"

            // The payment is recorded at Fakturownia, then its answer is lost.
            await fakturownia.state.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: "banking/payments"))
            let lost = try await api.send(.post, "\(path)/payments", json: #"{"amount":50000,"method":"cash"}"#)
            #expect(lost.status == .badGateway, "\(String(buffer: lost.body))")
            #expect(lost.problemCode == "payment_outcome_unknown")
            #expect(try await fakturownia.payments(api, prefix: "desk-olsztyn", invoiceID: documentID).count == 1)

            // The host syncs before anything else: the payment is there, and the invoice shows it.
            let synced = try await api.send(.post, "\(path)/sync")
            #expect(synced.status == .ok, "\(String(buffer: synced.body))")
            #expect(try synced.json()["status"] as? String == "partially_paid")
            #expect(try await fakturownia.document(api, prefix: "desk-olsztyn", id: documentID)["paid"] as? String == "500.00")

            // The rest, lost as well, and a blind retry of it after the sync: refused, recorded once.
            await fakturownia.state.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: "banking/payments"))
            let rest = #"{"amount":52300,"method":"card at the desk"}"#
            #expect(try await api.send(.post, "\(path)/payments", json: rest).status == .badGateway)
            #expect(try await api.send(.post, "\(path)/sync").json()["status"] as? String == "paid")
            let retry = try await api.send(.post, "\(path)/payments", json: rest)
            #expect(retry.status == .conflict)
            #expect(retry.problemCode == "invoice_not_payable")
            let payments = try await fakturownia.payments(api, prefix: "desk-olsztyn", invoiceID: documentID)
            #expect(payments.compactMap { $0["price"] as? String }.sorted() == ["500.00", "523.00"])
            #expect(try await fakturownia.document(api, prefix: "desk-olsztyn", id: documentID)["paid"] as? String == "1023.00")
        }
    }

    @Test func aLostPaymentRetriedWithItsIdempotencyKeyIsRecordedOnce() async throws {
        try await TestAPI.run(fakturownia: FakturowniaConfiguration()) { api in
            let fakturownia = try #require(api.fakturownia)
            let tenant = try await api.fakturowniaTenant("desk-elblag", prefix: "desk-elblag")
            let invoice = try await api.createInvoice(tenant, body: FakturowniaWhiteLabelTests.invoiceBody()).json()
            let invoiceID = try #require(invoice["id"] as? String)
            let documentID = try #require((invoice["providerOrderId"] as? String).flatMap(Int.init))
            var headers = HTTPFields()
            headers[HTTPField.Name("Idempotency-Key")!] = "desk-payment-1"
            let payment = "/v1/tenants/\(tenant)/invoices/\(invoiceID)/payments"

            await fakturownia.state.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: "banking/payments"))
            let lost = try await api.send(.post, payment, json: #"{"amount":50000,"method":"cash"}"#, headers: headers)
            #expect(lost.status == .badGateway, "\(String(buffer: lost.body))")
            // The same request under the same key, as a client library retries a 5xx.
            let retry = try await api.send(.post, payment, json: #"{"amount":50000,"method":"cash"}"#, headers: headers)
            #expect(retry.status == .badGateway, "\(String(buffer: retry.body))")
            #expect(retry.problemCode == "payment_outcome_unknown")
            // Only the sync says where the payment stands.
            #expect(try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/sync").json()["status"] as? String == "partially_paid")
            #expect(try await fakturownia.payments(api, prefix: "desk-elblag", invoiceID: documentID).count == 1)
            #expect(try await fakturownia.document(api, prefix: "desk-elblag", id: documentID)["paid"] as? String == "500.00")
        }
    }

    /// The invoice is open, carries its document's links, and the account holds exactly one
    /// document for its oid, the one the invoice names.
    static func expectOneOpenDocument(_ api: TestAPI, tenant: String, prefix: String, invoiceID: String) async throws {
        let fakturownia = try #require(api.fakturownia)
        let invoice = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()
        #expect(invoice["status"] as? String == "open")
        let documents = await fakturownia.state.invoiceIDs(prefix: prefix, oid: invoiceID)
        #expect(documents.count == 1)
        #expect(invoice["providerOrderId"] as? String == documents.first.map(String.init))
        let document = try #require(invoice["document"] as? [String: Any])
        #expect((document["pdfUrl"] as? String)?.hasSuffix(".pdf") == true)
        #expect((document["viewUrl"] as? String)?.contains("/invoice/") == true)
        #expect(document["number"] as? String != nil)
        #expect(try await api.invoiceCount(tenant) == 1)
    }
}

extension TestAPI {
    /// A tenant whose Fakturownia account the platform opened under `prefix`.
    func fakturowniaTenant(_ externalID: String, prefix: String) async throws -> String {
        let tenant = try await createTenant(externalID)
        let opened = try await send(.post, "/v1/tenants/\(tenant)/invoicing/account", json: FakturowniaWhiteLabelTests.openAccountBody(prefix: prefix))
        guard opened.status == .ok else { throw UnexpectedResponse(status: opened.status, body: String(buffer: opened.body)) }
        return tenant
    }
}

extension FakturowniaSandbox {
    /// What the account's own API answers for `path`, read with the account's token as Folio would.
    func read(_ api: TestAPI, prefix: String, path: String) async throws -> Any {
        let base = try #require(api.fakturowniaURL)
        let token = try #require(await state.apiToken(of: prefix))
        let separator = path.contains("?") ? "&" : "?"
        let url = "\(base.absoluteString)/\(prefix)/\(path)\(separator)api_token=\(token)"
        let response = try await api.httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 22)
        #expect(response.status.code == 200, "\(path)")
        return try JSONSerialization.jsonObject(with: Data(buffer: body))
    }

    /// The document as the account holds it.
    func document(_ api: TestAPI, prefix: String, id: Int) async throws -> [String: Any] {
        try await read(api, prefix: prefix, path: "invoices/\(id).json") as? [String: Any] ?? [:]
    }

    /// The payments the account holds on the document.
    func payments(_ api: TestAPI, prefix: String, invoiceID: Int) async throws -> [[String: Any]] {
        let all = try await read(api, prefix: prefix, path: "banking/payments.json") as? [[String: Any]] ?? []
        return all.filter { "\($0["invoice_id"] ?? "")" == String(invoiceID) }
    }

    /// Every document the account holds, over all periods.
    func documentCount(_ api: TestAPI, prefix: String) async throws -> Int {
        (try await read(api, prefix: prefix, path: "invoices.json?period=all&per_page=100") as? [[String: Any]])?.count ?? -1
    }
}

extension [String: Any] {
    /// The id of the first item of a list answer.
    var firstItemID: String? { (self["items"] as? [[String: Any]])?.first?["id"] as? String }
}
