import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoicingService
import NIOCore
import PaymentsPort
import PostgresNIO
import TenantRegistry
import Testing

@testable import InvoiceboxSandbox

/// Invoices end to end: the REST API, PostgreSQL and the sandbox.
@Suite struct InvoiceEndpointTests {
    @Test func theButtonFlowThenAnInvoiceIsCreatedListedPaidAndSynced() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("aurora")
            let created = try await api.createInvoice(tenant)
            #expect(created.status == .created)
            let invoice = try created.json()
            let id = try #require(invoice["id"] as? String)
            #expect(invoice["status"] as? String == "open")
            #expect(invoice["amount"] as? Int == 1_070_100)
            #expect(invoice["vatAmount"] as? Int == 177_759)
            #expect(invoice["refundedAmount"] as? Int == 0)
            #expect((invoice["paymentUrl"] as? String)?.hasPrefix("http") == true)
            let orderID = try #require(invoice["providerOrderId"] as? String)
            let items = try #require(invoice["items"] as? [[String: Any]])
            #expect(items.map { $0["amount"] as? Int } == [900_000, 170_100])
            #expect(items.map { $0["vatAmount"] as? Int } == [162_295, 15_464])

            // The provider holds the order under Folio's invoice id, pointed at Folio's notification endpoint.
            let order = try #require(await api.sandbox.state.order(id: orderID))
            #expect(order.merchantOrderID == id)
            #expect(order.merchantID == merchantID)
            #expect(order.notificationURL?.hasSuffix("/v1/providers/invoicebox/notifications/\(tenant)") == true)

            let listed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            #expect((listed["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])

            try await api.sandbox.state.pay(orderID: orderID)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(id)").json()["status"] as? String == "open")
            let synced = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(id)/sync")
            #expect(synced.status == .ok)
            #expect(try synced.json()["status"] as? String == "paid")
            #expect(try synced.json()["paidAt"] as? String != nil)
            let paid = try await api.send(.get, "/v1/tenants/\(tenant)/invoices?status=paid").json()
            #expect((paid["items"] as? [[String: Any]])?.count == 1)

            let cancel = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(id)/cancel")
            #expect(cancel.status == .conflict)
            #expect(cancel.problemCode == "invoice_not_cancelable")

            let refund = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(id)/refunds", json: "{}")
            #expect(refund.status == .created)
            #expect(try refund.json()["amount"] as? Int == 1_070_100)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(id)").json()["status"] as? String == "refunded")
        }
    }

    @Test func onlyAnActiveTenantCanInvoice() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("not-yet")
            let refused = try await api.createInvoice(tenant)
            #expect(refused.status == .conflict)
            #expect(refused.problemCode == "invoicing_not_active")
            #expect(try await api.invoiceCount(tenant) == 0)
        }
    }

    @Test func badInputNamesTheFieldAndNothingIsSentOrStored() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("strict")
            func item(_ fields: String) -> String {
                #"{"reservationId":"R1","description":"Stay","currency":"RUB","customer":{"type":"private","email":"g@example.org"},"items":[{"name":"Night",\#(fields)}]}"#
            }
            let manyItems = (0..<101).map { #"{"sku":"S\#($0)","name":"n","quantity":1,"unitPrice":100,"vatCode":"VATNONE"}"# }.joined(separator: ",")
            let cases: [(String, String, String)] = [
                (item(#""quantity":1,"unitPrice":0,"vatCode":"VATNONE""#), "/items/0/unitPrice", "zero amount"),
                (item(#""quantity":1,"unitPrice":-500,"vatCode":"VATNONE""#), "/items/0/unitPrice", "negative amount"),
                (item(#""quantity":1,"unitPrice":\#(TestAPI.maximumInvoiceAmount + 1),"vatCode":"VATNONE""#), "/items", "over the ceiling"),
                (item(#""quantity":0,"unitPrice":100,"vatCode":"VATNONE""#), "/items/0/quantity", "zero quantity"),
                (item(#""quantity":1,"unitPrice":100,"vatCode":"RUS_VAT99""#), "/items/0/vatCode", "unknown VAT code"),
                (item(#""quantity":1,"unitPrice":100,"vatCode":"VATNONE","serviceDate":"2026-02-30""#), "/items/0/serviceDate", "impossible date"),
                (
                    #"{"reservationId":"R1","description":"Stay","currency":"RUB","customer":{"type":"private","email":"g@example.org"},"items":[\#(manyItems)]}"#,
                    "/items", "101 items"
                ),
                (TestAPI.invoiceBody().replacingOccurrences(of: #""currency":"RUB""#, with: #""currency":"XTS""#), "/currency", "unknown currency"),
                (TestAPI.invoiceBody().replacingOccurrences(of: "guest@example.org", with: "guest-at-example"), "/customer/email", "bad e-mail"),
                (TestAPI.invoiceBody(extra: #","returnUrl":"not a url""#), "/returnUrl", "bad URL"),
                (
                    TestAPI.invoiceBody().replacingOccurrences(of: #""checkOut":"2026-08-14""#, with: #""checkOut":"2026-08-10""#), "/reservation/checkOut",
                    "check-out before check-in"
                ),
                (TestAPI.invoiceBody(reservationID: String(repeating: "r", count: 129)), "/reservationId", "reservation id too long"),
                (TestAPI.invoiceBody(extra: #","expiresAt":"2001-01-01T00:00:00Z""#), "/expiresAt", "expiry in the past"),
            ]
            for (body, pointer, label) in cases {
                let response = try await api.createInvoice(tenant, body: body)
                #expect(response.status == .unprocessableContent, "\(label)")
                #expect(response.problemCode == "validation_failed", "\(label)")
                let pointers = (try response.json()["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? []
                #expect(pointers.contains(pointer), "\(label): \(pointers)")
            }
            let malformed = try await api.createInvoice(tenant, body: #"{"reservationId":"R1","items":"#)
            #expect(malformed.status == .badRequest)
            #expect(malformed.problemCode == "invalid_body")
            #expect(try await api.invoiceCount(tenant) == 0)
            #expect(await api.providerOrderCount(merchantID: merchantID) == 0)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/not-a-uuid").problemCode == "invalid_parameter")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(UUID())").problemCode == "invoice_not_found")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices?limit=0").problemCode == "invalid_parameter")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices?cursor=bogus").problemCode == "invalid_parameter")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices?status=unpaid").status == .badRequest)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices?createdFrom=yesterday").status == .badRequest)
        }
    }

    @Test func aLostProviderResponseStillMakesExactlyOneOrder() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("lossy")
            // The provider creates the order, then a proxy loses the answer.
            await api.sandbox.state.inject(SandboxFault(kind: .dropResponse, method: "POST", pathContains: "/order", remaining: 1))
            let created = try await api.createInvoice(tenant)
            #expect(created.status == .created)
            #expect(try created.json()["status"] as? String == "open")
            #expect(await api.providerOrderCount(merchantID: merchantID) == 1)
            #expect(try await api.invoiceCount(tenant) == 1)
        }
    }

    @Test func aFailureBetweenTheTwoCommitsIsFinishedByTheRetry() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("crashy")
            try await api.failNextSettlement(of: tenant)
            let first = try await api.createInvoice(tenant, idempotencyKey: "booking-1")
            #expect(first.status == .serviceUnavailable)
            // The provider has the order; Folio still holds the invoice as pending.
            #expect(await api.providerOrderCount(merchantID: merchantID) == 1)
            let listed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            let pending = try #require((listed["items"] as? [[String: Any]])?.first)
            #expect(pending["status"] as? String == "pending")

            let retry = try await api.createInvoice(tenant, idempotencyKey: "booking-1")
            #expect(retry.status == .created)
            #expect(try retry.json()["id"] as? String == pending["id"] as? String)
            #expect(try retry.json()["status"] as? String == "open")
            #expect(await api.providerOrderCount(merchantID: merchantID) == 1)
            #expect(try await api.invoiceCount(tenant) == 1)
        }
    }

    @Test func aFailureBetweenTheTwoCommitsIsFinishedByTheRecoveryJob() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("recovering")
            try await api.failNextSettlement(of: tenant)
            #expect(try await api.createInvoice(tenant).status == .serviceUnavailable)
            // Not due yet: a creation that may still be running is left alone.
            #expect(try await api.recovery.runOnce() == 0)
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            let listed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            #expect((listed["items"] as? [[String: Any]])?.map { $0["status"] as? String } == ["open"])
            #expect(await api.providerOrderCount(merchantID: merchantID) == 1)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)
        }
    }

    @Test func anOrderPaidBeforeTheRecoveryFinishesItsInvoiceGivesBothEventsAndLeavesNoQueue() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("paid-meanwhile")
            try await api.failNextSettlement(of: tenant)
            #expect(try await api.createInvoice(tenant).status == .serviceUnavailable)
            // The guest pays the order while the invoice is still pending in Folio.
            let orderID = try #require(await api.sandbox.state.orderIDs(merchantID: merchantID).first)
            try await api.sandbox.state.pay(orderID: orderID)
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            let listed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            #expect((listed["items"] as? [[String: Any]])?.map { $0["status"] as? String } == ["paid"])
            #expect(try await api.eventTypes(tenant).filter { $0.hasPrefix("invoice.") } == ["invoice.created", "invoice.paid"])
            // The queue row went with the first of the two events; a paid invoice is not re-read.
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)
            #expect(try await ReconciliationTests.scheduled(api) == 0)
        }
    }

    @Test func whatRidesOnAStatusChangeIsWrittenAlsoWhenTheChangeMovesNothing() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("riding")
            let created = try await api.createInvoice(tenant).json()
            let invoiceID = try #require(UUID(uuidString: created["id"] as? String ?? ""))
            let orderID = try #require(created["providerOrderId"] as? String)
            let tenantID = try #require(TenantID(string: tenant))
            let directory = TenantDirectory(client: api.database, tenantMigrations: TestDatabase.migrations.tenant, logger: TestDatabase.logger)
            // A draft says nothing Folio keeps; `created` is where the invoice already is.
            for status in [ProviderOrderStatus.draft, .created] {
                let order = ProviderOrder(
                    id: orderID, merchantID: nil, merchantOrderID: invoiceID.uuidString, status: status, amount: MinorUnits(1_070_100),
                    vatAmount: nil, currency: "RUB", createdAt: Date(), paidAt: nil, expirationDate: nil, paymentURL: nil, orderContainerID: nil
                )
                let record = UUID()
                let riding: PostgresQuery = """
                    recorded AS (
                        INSERT INTO notifications (id, body_sha256, body_size, headers, signature, verdict)
                        VALUES (\(record), '\\x00'::bytea, 0, '[]', 'unchecked', 'success')
                    )
                    """
                let applied = try await directory.withTenant(tenantID) { connection in
                    try await InvoiceBook.apply(order, to: invoiceID, tenant: tenantID, alongside: riding, on: connection, logger: TestDatabase.logger)
                }
                #expect(applied.status == .open)
                let stored = try await api.database.scalar(
                    "SELECT count(*) FROM \(unescaped: TestAPI.schema(of: tenant)).notifications WHERE id = \(record)", as: Int64.self)
                #expect(stored == 1, "\(status)")
            }
        }
    }

    @Test func aRefusalByTheProviderFailsTheInvoiceAndIsReplayedForItsKey() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("refused")
            await api.sandbox.state.inject(SandboxFault(kind: .status, method: "POST", pathContains: "/order", remaining: 1, status: 400))
            let first = try await api.createInvoice(tenant, idempotencyKey: "refused-1")
            #expect(first.status == .badGateway)
            #expect(first.problemCode == "provider_rejected")
            let requestID = try #require(try first.json()["providerRequestId"] as? String)
            let listed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            let invoice = try #require((listed["items"] as? [[String: Any]])?.first)
            #expect(invoice["status"] as? String == "failed")
            #expect(invoice["failureCode"] as? String == "internal_error")
            // The same key answers the same refusal, without a second attempt at the provider.
            let again = try await api.createInvoice(tenant, idempotencyKey: "refused-1")
            #expect(again.status == .badGateway)
            #expect(try again.json()["providerRequestId"] as? String == requestID)
            #expect(await api.providerOrderCount(merchantID: merchantID) == 0)
            #expect(try await api.invoiceCount(tenant) == 1)
        }
    }

    @Test func aPendingInvoiceWhoseExpiryPassedWithoutAnOrderEndsExpired() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("late")
            // The provider says it did not handle the request: nothing exists there.
            await api.sandbox.state.inject(SandboxFault(kind: .status, method: "POST", pathContains: "/order", remaining: 1, status: 503))
            #expect(try await api.createInvoice(tenant).status == .serviceUnavailable)
            let schema = TestAPI.schema(of: tenant)
            try await api.database.query(
                "UPDATE \(unescaped: schema).invoices SET expires_at = now() - interval '1 minute'", logger: TestDatabase.logger
            )
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            let listed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            #expect((listed["items"] as? [[String: Any]])?.map { $0["status"] as? String } == ["expired"])
            #expect(await api.providerOrderCount(merchantID: merchantID) == 0)
        }
    }

    @Test func concurrentDuplicatesMakeOneInvoice() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("busy")
            let responses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        let response = try await api.createInvoice(tenant, idempotencyKey: "same-booking")
                        return (response.status, response.status == .created ? try response.json()["id"] as? String : response.problemCode)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = responses.filter { $0.0 == .created }
            let inFlight = responses.filter { $0.0 == .conflict }
            #expect(created.count + inFlight.count == 100)
            #expect(created.count >= 1)
            #expect(Set(created.map(\.1)).count == 1)
            #expect(inFlight.allSatisfy { $0.1 == "idempotency_key_in_flight" })
            #expect(try await api.invoiceCount(tenant) == 1)
            #expect(await api.providerOrderCount(merchantID: merchantID) == 1)

            // Once finished, the key answers the first response again, and refuses another body.
            let replay = try await api.createInvoice(tenant, idempotencyKey: "same-booking")
            #expect(replay.status == .created)
            #expect(try replay.json()["id"] as? String == created.first?.1)
            let reused = try await api.createInvoice(tenant, body: TestAPI.invoiceBody(reservationID: "other"), idempotencyKey: "same-booking")
            #expect(reused.status == .unprocessableContent)
            #expect(reused.problemCode == "idempotency_key_reused")
            // Keys belong to their tenant: another tenant may use the same one.
            let (other, _) = try await api.activeTenant("neighbour")
            #expect(try await api.createInvoice(other, idempotencyKey: "same-booking").status == .created)
        }
    }

    @Test func theListFiltersAndPagesNewestFirst() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("lister")
            var ids: [String] = []
            for index in 0..<5 {
                let response = try await api.createInvoice(tenant, body: TestAPI.invoiceBody(reservationID: "R\(index % 2)"))
                ids.append(try #require(try response.json()["id"] as? String))
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await api.send(.get, "/v1/tenants/\(tenant)/invoices?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")).json()
                seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(seen == ids.reversed())

            let canceled = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(ids[1])/cancel")
            #expect(canceled.status == .ok)
            #expect(try canceled.json()["status"] as? String == "canceled")
            #expect(try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(ids[1])/cancel").status == .ok)

            func listed(_ query: String) async throws -> [String] {
                let page = try await api.send(.get, "/v1/tenants/\(tenant)/invoices?\(query)").json()
                return (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            #expect(try await listed("status=canceled") == [ids[1]])
            #expect(try await listed("status=open") == [ids[4], ids[3], ids[2], ids[0]])
            #expect(try await listed("reservationId=R1") == [ids[3], ids[1]])
            #expect(try await listed("createdFrom=2000-01-01T00:00:00Z&createdTo=2001-01-01T00:00:00Z") == [])
            #expect(try await listed("createdFrom=2000-01-01T00:00:00Z").count == 5)
        }
    }

    @Test func aTenantAnotherReplicaDeletedIsNotFoundWhenItCreates() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("leaving")
            // The first invoice leaves this replica remembering the tenant's schema.
            #expect(try await api.createInvoice(tenant).status == .created)
            let elsewhere = TenantDirectory(client: api.database, tenantMigrations: TestDatabase.migrations.tenant, logger: TestDatabase.logger)
            #expect(try await elsewhere.delete(try #require(TenantID(string: tenant)), actor: "test"))
            #expect(try await api.createInvoice(tenant).problemCode == "tenant_not_found")
            #expect(try await api.createInvoice(tenant, idempotencyKey: "after-delete").problemCode == "tenant_not_found")
        }
    }

    @Test func anotherTenantsInvoicesAreNotFound() async throws {
        try await TestAPI.run { api in
            let (tenantA, _) = try await api.activeTenant("tenant-a")
            let tenantB = try await api.createTenant("tenant-b")
            let keyB = try await api.createTenantKey(tenantB)
            let invoice = try #require(try await api.createInvoice(tenantA).json()["id"] as? String)
            let paths: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/v1/tenants/\(tenantA)/invoices", TestAPI.invoiceBody()),
                (.get, "/v1/tenants/\(tenantA)/invoices", nil),
                (.get, "/v1/tenants/\(tenantA)/invoices/\(invoice)", nil),
                (.post, "/v1/tenants/\(tenantA)/invoices/\(invoice)/cancel", nil),
                (.post, "/v1/tenants/\(tenantA)/invoices/\(invoice)/sync", nil),
                (.post, "/v1/tenants/\(tenantA)/invoices/\(invoice)/refunds", "{}"),
                (.get, "/v1/tenants/\(tenantA)/invoices/\(invoice)/refunds", nil),
            ]
            for (method, path, body) in paths {
                let response = try await api.send(method, path, key: keyB, json: body)
                #expect(response.problemCode == "tenant_not_found", "\(method) \(path)")
            }
            // A's invoice id under B's own path is not found either.
            let ownPaths: [(HTTPRequest.Method, String, String?)] = [
                (.get, "", nil), (.post, "/cancel", nil), (.post, "/sync", nil), (.post, "/refunds", "{}"), (.get, "/refunds", nil),
            ]
            for (method, suffix, body) in ownPaths {
                let response = try await api.send(method, "/v1/tenants/\(tenantB)/invoices/\(invoice)\(suffix)", key: keyB, json: body)
                #expect(response.problemCode == "invoice_not_found", "\(suffix)")
            }
            #expect(try await api.invoiceCount(tenantA) == 1)
            #expect(try await api.send(.get, "/v1/tenants/\(tenantA)/invoices/\(invoice)").json()["status"] as? String == "open")
        }
    }
}

extension TestAPI {
    /// Makes the next settling commit of the tenant's invoices fail, as if the process died
    /// between the provider's answer and the second commit.
    func failNextSettlement(of tenant: String) async throws {
        try await failOnce(of: tenant, name: "settlement", event: "BEFORE UPDATE", table: "invoices", when: "NEW.status = 'open'")
    }

    /// Makes the first row `event` on the tenant's `table` (where `when` holds) fail, rolling
    /// back its transaction. A sequence counts the firings because it is not rolled back with it.
    func failOnce(of tenant: String, name: String, event: String, table: String, when condition: String = "true") async throws {
        try await makeSchema(of: tenant)
        let schema = Self.schema(of: tenant)
        try await database.query("CREATE SEQUENCE \(unescaped: schema).\(unescaped: name)_attempts", logger: TestDatabase.logger)
        try await database.query(
            """
            CREATE FUNCTION \(unescaped: schema).fail_first_\(unescaped: name)() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('\(unescaped: schema).\(unescaped: name)_attempts') = 1 THEN
                    RAISE EXCEPTION 'forced failure before the commit';
                END IF;
                RETURN NEW;
            END $$
            """,
            logger: TestDatabase.logger
        )
        try await database.query(
            """
            CREATE TRIGGER fail_first_\(unescaped: name) \(unescaped: event) ON \(unescaped: schema).\(unescaped: table)
            FOR EACH ROW WHEN (\(unescaped: condition)) EXECUTE FUNCTION \(unescaped: schema).fail_first_\(unescaped: name)()
            """,
            logger: TestDatabase.logger
        )
    }
}
