import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoicingService
import NIOCore
import PostgresNIO
import Testing

@testable import InvoiceboxSandbox

/// Fulfilments at check-out, end to end through the REST API, PostgreSQL and the sandbox's
/// shipments. The invoice of `TestAPI.invoiceBody` has two lines: 2 × 4,500.00 (22 % VAT) and
/// 2 × 850.50 (10 % VAT), 10,701.00 in all.
@Suite struct FulfilmentEndpointTests {
    @Test func fulfilsInPartThenTheRestAndNeverMoreThanTheInvoice() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("fulfiller")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let fulfilments = "/v1/tenants/\(tenant)/invoices/\(invoice)/fulfilments"

            let night = try await api.send(
                .post, fulfilments, json: #"{"items":[{"line":0,"quantity":1}],"documentNumber":"ACT-1","documentDate":"2026-08-13"}"#)
            #expect(night.status == .created)
            let first = try night.json()
            #expect(first["amount"] as? Int == 450_000)
            #expect(first["vatAmount"] as? Int == 81_148)
            #expect(first["status"] as? String == "completed")
            #expect(first["documentNumber"] as? String == "ACT-1")
            #expect(first["documentDate"] as? String == "2026-08-13")
            #expect(first["final"] as? Bool == false)

            let tooMany = try await api.send(.post, fulfilments, json: #"{"items":[{"line":0,"quantity":2}]}"#)
            #expect(tooMany.status == .unprocessableContent)
            #expect(tooMany.problemCode == "fulfilment_exceeds_invoice")
            #expect((try tooMany.json()["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/items/0/quantity")
            let unknownLine = try await api.send(.post, fulfilments, json: #"{"items":[{"line":5,"quantity":1}]}"#)
            #expect(unknownLine.problemCode == "validation_failed")
            #expect((try unknownLine.json()["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/items/0/line")
            let sameDocument = try await api.send(.post, fulfilments, json: #"{"items":[{"line":1,"quantity":1}],"documentNumber":"ACT-1"}"#)
            #expect((try sameDocument.json()["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/documentNumber")
            let longDocument = try await api.send(.post, fulfilments, json: #"{"documentNumber":"\#(String(repeating: "7", count: 37))"}"#)
            #expect(longDocument.status == .badRequest || longDocument.problemCode == "validation_failed")

            // Everything left: the second night and both breakfasts, and no more afterwards.
            let rest = try await api.send(.post, fulfilments, json: #"{"final":true}"#)
            #expect(rest.status == .created)
            let second = try rest.json()
            #expect(second["amount"] as? Int == 1_070_100 - 450_000)
            #expect(second["final"] as? Bool == true)
            let lines = (second["items"] as? [[String: Any]] ?? []).map { [$0["line"] as? Int, $0["quantity"] as? Int] }
            #expect(lines == [[0, 1], [1, 2]])
            let closed = try await api.send(.post, fulfilments, json: #"{"items":[{"line":1,"quantity":1}]}"#)
            #expect(closed.status == .conflict)
            #expect(closed.problemCode == "invoice_not_fulfillable")

            let listed = try await api.send(.get, fulfilments).json()["items"] as? [[String: Any]] ?? []
            #expect(listed.compactMap { $0["id"] as? String } == [first["id"] as? String, second["id"] as? String].compactMap { $0 })
            // One shipment per fulfilment, never more than the order; the first named by the
            // host's document, the second by the fulfilment's own id.
            let shipments = await api.sandbox.state.shipments(orderID: orderID)
            #expect(shipments.map(\.amountMinor) == [450_000, 620_100])
            #expect(shipments.map(\.documentNumber) == ["ACT-1", second["id"] as? String])
            #expect(shipments.map(\.final) == [false, true])

            let events = try await api.send(.get, "/v1/tenants/\(tenant)/events?limit=100").json()["items"] as? [[String: Any]] ?? []
            let fulfilled = events.filter { $0["type"] as? String == "invoice.fulfilled" }.compactMap { $0["data"] as? [String: Any] }
            #expect(fulfilled.compactMap { ($0["fulfilment"] as? [String: Any])?["id"] as? String } == listed.compactMap { $0["id"] as? String })
            #expect(fulfilled.first?["status"] as? String == "paid")
            #expect(((fulfilled.last?["fulfilment"] as? [String: Any])?["amount"] as? Int) == 620_100)
        }
    }

    @Test func onlyAHeldOrPaidInvoiceCanBeFulfilled() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("unfulfillable")
            let invoice = try #require(try await api.createInvoice(tenant).json()["id"] as? String)
            let refused = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice)/fulfilments", json: "{}")
            #expect(refused.status == .conflict)
            #expect(refused.problemCode == "invoice_not_fulfillable")
            #expect((try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)/fulfilments").json()["items"] as? [Any])?.isEmpty == true)
            #expect(try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(UUID())/fulfilments", json: "{}").problemCode == "invoice_not_found")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(UUID())/fulfilments").problemCode == "invoice_not_found")
        }
    }

    @Test func concurrentFulfilmentsNeverShipMoreThanTheInvoice() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("ship-racer")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let response = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice)/fulfilments", json: "{}")
                        return (response.status, response.problemCode)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0.0 == .created }.count == 1)
            #expect(statuses.filter { $0.1 == "fulfilment_exceeds_invoice" }.count == 5)
            #expect(await api.sandbox.state.shipmentCount(orderID: orderID) == 1)
        }
    }

    @Test func aRepeatedRequestWithItsKeyAnswersTheSameFulfilment() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("ship-replay")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let fulfilments = "/v1/tenants/\(tenant)/invoices/\(invoice)/fulfilments"
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "checkout-1"]
            let first = try await api.send(.post, fulfilments, json: #"{"items":[{"line":1,"quantity":2}]}"#, headers: key)
            let again = try await api.send(.post, fulfilments, json: #"{"items":[{"line":1,"quantity":2}]}"#, headers: key)
            #expect(first.status == .created)
            #expect(again.status == .created)
            #expect(try again.json()["id"] as? String == first.json()["id"] as? String)
            let other = try await api.send(.post, fulfilments, json: #"{"items":[{"line":0,"quantity":1}]}"#, headers: key)
            #expect(other.problemCode == "idempotency_key_reused")
            #expect(await api.sandbox.state.shipmentCount(orderID: orderID) == 1)
            #expect(try await api.eventTypes(tenant).filter { $0 == "invoice.fulfilled" }.count == 1)
        }
    }

    @Test func aRetryAdoptsTheShipmentWhoseAnswerWasLost() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("ship-lost")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let fulfilments = "/v1/tenants/\(tenant)/invoices/\(invoice)/fulfilments"
            try await api.fulfilmentWhoseAnswerIsLost(fulfilments, body: "{}", idempotencyKey: "checkout-lost")
            #expect(await api.sandbox.state.shipmentCount(orderID: orderID) == 1)

            // The provider may still be making the shipment: until the lost attempt's lease runs
            // out, a retry neither sends nor looks.
            let early = try await api.send(.post, fulfilments, json: "{}", headers: [HTTPField.Name("Idempotency-Key")!: "checkout-lost"])
            #expect(early.status == .conflict)
            #expect(try early.json()["code"] as? String == "idempotency_key_in_flight")
            #expect(await api.sandbox.state.shipmentCount(orderID: orderID) == 1)

            try await api.expireFulfilmentLeases(tenant)
            let retry = try await api.send(.post, fulfilments, json: "{}", headers: [HTTPField.Name("Idempotency-Key")!: "checkout-lost"])
            #expect(retry.status == .created)
            let adopted = try retry.json()
            #expect(adopted["status"] as? String == "completed")
            #expect(adopted["amount"] as? Int == 1_070_100)
            #expect(adopted["providerShipmentId"] as? String != nil)
            #expect(await api.sandbox.state.shipmentCount(orderID: orderID) == 1)
            #expect(try await api.eventTypes(tenant).filter { $0 == "invoice.fulfilled" }.count == 1)
        }
    }

    @Test func theNextFulfilmentSettlesOneWhoseAnswerWasLost() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("ship-lost-no-key")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let fulfilments = "/v1/tenants/\(tenant)/invoices/\(invoice)/fulfilments"
            try await api.fulfilmentWhoseAnswerIsLost(fulfilments, body: #"{"items":[{"line":0,"quantity":1}]}"#, idempotencyKey: nil)
            try await api.expireFulfilmentLeases(tenant)

            let breakfasts = try await api.send(.post, fulfilments, json: #"{"items":[{"line":1,"quantity":2}]}"#)
            #expect(breakfasts.status == .created)
            let listed = try await api.send(.get, fulfilments).json()["items"] as? [[String: Any]] ?? []
            #expect(listed.map { $0["status"] as? String } == ["completed", "completed"])
            #expect(await api.sandbox.state.shipmentCount(orderID: orderID) == 2)
            // What is left is the second night alone: the lost one was counted, not sent twice.
            let rest = try await api.send(.post, fulfilments, json: "{}")
            #expect(try rest.json()["amount"] as? Int == 450_000)
            #expect(await api.sandbox.state.shipments(orderID: orderID).map(\.amountMinor).reduce(0, +) == 1_070_100)
        }
    }

    @Test func aUnitTheGuestGotMoneyBackForIsNotFulfilled() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("ship-after-refund")
            let (invoice, _) = try await api.paidInvoice(tenant)
            // Part of one breakfast back: that breakfast was not rendered in full.
            let refund = try await api.send(
                .post, "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds", json: #"{"items":[{"sku":"BRKF","amount":40000}]}"#)
            #expect(refund.status == .created)
            let fulfilments = "/v1/tenants/\(tenant)/invoices/\(invoice)/fulfilments"

            let bothBreakfasts = try await api.send(.post, fulfilments, json: #"{"items":[{"line":1,"quantity":2}]}"#)
            #expect(bothBreakfasts.problemCode == "fulfilment_exceeds_invoice")
            let rest = try await api.send(.post, fulfilments, json: "{}")
            #expect(rest.status == .created)
            let shipped = try rest.json()["items"] as? [[String: Any]] ?? []
            #expect(shipped.map { $0["quantity"] as? Int } == [2, 1])
            #expect(try rest.json()["amount"] as? Int == 900_000 + 85_050)
        }
    }

    @Test func theRecoveryJobAdoptsAPendingFulfilmentTheProviderAlreadyMade() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("ship-recovered")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let fulfilments = "/v1/tenants/\(tenant)/invoices/\(invoice)/fulfilments"
            try await api.fulfilmentWhoseAnswerIsLost(fulfilments, body: "{}", idempotencyKey: nil)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations WHERE kind = 'fulfilment'", as: Int64.self) == 1)

            // A second shipment would be refused; the job must not need one.
            await api.sandbox.state.inject(
                SandboxFault(kind: .status, method: "POST", pathContains: "/order/shipment", remaining: 1, status: 422, code: "wrong_total_amount")
            )
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 0, "the lost attempt's lease is still running")
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            try await api.expireFulfilmentLeases(tenant)
            #expect(try await api.recovery.runOnce() == 1)
            await api.sandbox.state.clearFaults()
            let listed = try await api.send(.get, fulfilments).json()["items"] as? [[String: Any]] ?? []
            #expect(listed.map { $0["status"] as? String } == ["completed"])
            #expect(await api.sandbox.state.shipmentCount(orderID: orderID) == 1)
            #expect(try await api.eventTypes(tenant).filter { $0 == "invoice.fulfilled" }.count == 1)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.pending_creations", as: Int64.self) == 0)
        }
    }

    @Test func aFulfilmentOfAHeldInvoiceCapturesTheFundsAndTheInvoiceIsPaid() async throws {
        try await TestAPI.run(listening: true) { api in
            let (tenant, merchantID) = try await api.activeTenant("capture")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.hold(orderID: invoice.orderID)
            #expect(try await eventually { try await api.invoiceStatus(invoice) == "held" })

            // Both nights rendered, the breakfasts not: the rest of the hold goes back to the guest.
            let fulfilled = try await api.send(
                .post, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)/fulfilments", json: #"{"items":[{"line":0,"quantity":2}],"final":true}"#)
            #expect(fulfilled.status == .created)
            #expect(try fulfilled.json()["amount"] as? Int == 900_000)
            #expect(await api.sandbox.state.order(id: invoice.orderID)?.status == "completed")
            let funds = await api.sandbox.state.heldFunds(orderID: invoice.orderID)
            #expect(funds.captured == 900_000)
            #expect(funds.released == 170_100)

            #expect(try await eventually { try await api.invoiceStatus(invoice) == "paid" })
            // The provider's notification of the capture is answered success either way.
            #expect(
                try await eventually {
                    await api.sandbox.state.notificationAttempts().contains { $0.status == "completed" && $0.outcome == "success" }
                })
            // The capture's notification may overtake the fulfilment's own commit.
            let types = try await api.invoiceEventTypes(tenant)
            #expect(types.prefix(2) == ["invoice.created", "invoice.held"])
            #expect(types.dropFirst(2).sorted() == ["invoice.fulfilled", "invoice.paid"])
            #expect(try await ReconciliationTests.scheduled(api) == 0)
        }
    }

    /// Where the sources disagree on the shipment list (invoicebox-api.md §13.2, §19 #4), Folio
    /// finds a shipment whose answer was lost through whichever path the provider serves, and
    /// never takes another order's shipment with the same document number for it, even from a
    /// list that ignores its `orderId` filter.
    @Test(arguments: [
        (SandboxShipmentListRoutes.billingOnly, true), (SandboxShipmentListRoutes.filterOnly, true), (SandboxShipmentListRoutes.filterOnly, false),
    ])
    func aLostShipmentIsFoundWhateverTheProvidersListDoes(routes: SandboxShipmentListRoutes, ignoresOrderFilter: Bool) async throws {
        var configuration = SandboxConfiguration.fast
        configuration.shipmentListRoutes = routes
        configuration.shipmentListIgnoresOrderFilter = ignoresOrderFilter
        let provider = InvoiceboxSandbox(configuration: configuration, logger: TestDatabase.logger)
        try await provider.withRunningServer { providerURL in
            try await TestAPI.run(invoiceboxBaseURL: providerURL) { api in
                let tenant = try await api.createTenant("ship-dialect")
                let shop = await provider.state.addMerchant()
                let connected = try await api.send(
                    .put, "/v1/tenants/\(tenant)/invoicing/credentials", json: #"{"merchantId":"\#(shop.id)","token":"\#(shop.token)"}"#)
                #expect(connected.status == .ok)
                var paid: [(invoice: String, orderID: String)] = []
                for reservation in ["A", "B"] {
                    let created = try await api.createInvoice(tenant, body: TestAPI.invoiceBody(reservationID: reservation)).json()
                    let invoice = try #require(created["id"] as? String)
                    let orderID = try #require(created["providerOrderId"] as? String)
                    try await provider.state.pay(orderID: orderID)
                    #expect(try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice)/sync").json()["status"] as? String == "paid")
                    paid.append((invoice, orderID))
                }
                let body = #"{"documentNumber":"ACT-1"}"#
                let earlier = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(paid[0].invoice)/fulfilments", json: body).json()
                let fulfilments = "/v1/tenants/\(tenant)/invoices/\(paid[1].invoice)/fulfilments"
                await provider.state.inject(SandboxFault(kind: .dropResponse, method: "POST", pathContains: "/order/shipment", remaining: 1))
                await provider.state.inject(SandboxFault(kind: .malformedBody, method: "GET", pathContains: "/order/shipment", remaining: 1))
                let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "checkout-B"]
                #expect(try await api.send(.post, fulfilments, json: body, headers: key).status == .serviceUnavailable)
                try await api.expireFulfilmentLeases(tenant)
                let retry = try await api.send(.post, fulfilments, json: body, headers: key)
                #expect(retry.status == .created)
                let adopted = try retry.json()
                #expect(adopted["providerShipmentId"] as? String != nil)
                #expect(adopted["providerShipmentId"] as? String != earlier["providerShipmentId"] as? String)
                #expect(await provider.state.shipmentCount(orderID: paid[1].orderID) == 1)
                #expect(await provider.state.shipmentCount(orderID: paid[0].orderID) == 1)
            }
        }
    }
}

extension TestAPI {
    /// Lets the leases of a tenant's pending fulfilments run out, as time would.
    func expireFulfilmentLeases(_ tenant: String) async throws {
        try await database.query(
            "UPDATE \(unescaped: Self.schema(of: tenant)).fulfilments SET sending_until = now() - interval '1 second' WHERE status = 'pending'",
            logger: TestDatabase.logger
        )
    }

    /// Asks for a fulfilment whose shipment the provider makes but whose answer a proxy loses,
    /// and whose lookup right after fails too: Folio is left holding it as pending.
    func fulfilmentWhoseAnswerIsLost(_ fulfilments: String, body: String, idempotencyKey: String?) async throws {
        await sandbox.state.inject(SandboxFault(kind: .dropResponse, method: "POST", pathContains: "/order/shipment", remaining: 1))
        await sandbox.state.inject(SandboxFault(kind: .malformedBody, method: "GET", pathContains: "/order/shipment", remaining: 1))
        var headers = HTTPFields()
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        let first = try await send(.post, fulfilments, json: body, headers: headers)
        guard first.status == .serviceUnavailable,
            (try await send(.get, fulfilments).json()["items"] as? [[String: Any]])?.first?["status"] as? String == "pending"
        else { throw UnexpectedResponse(status: first.status, body: String(buffer: first.body)) }
    }
}
