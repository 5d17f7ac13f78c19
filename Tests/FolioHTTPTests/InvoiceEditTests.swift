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

/// Editing an open invoice (`PATCH …/invoices/{id}`), end to end through the REST API,
/// PostgreSQL and the sandbox.
@Suite struct InvoiceEditTests {
    /// Three nights instead of two, without the breakfast, and a new description.
    static let longerStay = """
        {"description":"Stay at Hotel Aurora, 3 nights",
         "items":[{"sku":"ROOM","name":"Standard room, 3 nights","quantity":3,"unitPrice":450000,"vatCode":"RUS_VAT22","serviceDate":"2026-08-12"}],
         "reservation":{"propertyName":"Hotel Aurora","guestName":"Irina Sokolova","checkIn":"2026-08-12","checkOut":"2026-08-15","country":"RU"}}
        """

    @Test func anEditChangesTheProvidersOrderAndTheInvoiceAndIsAnnounced() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("editor")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let path = "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)"
            let expiresAt = Date().addingTimeInterval(2 * 24 * 3600)
            let body = Self.longerStay.replacingOccurrences(
                of: #""description""#, with: #""expiresAt":"\#(expiresAt.formatted(.iso8601))","description""#)

            let edited = try await api.send(.patch, path, json: body)
            #expect(edited.status == .ok)
            let answer = try edited.json()
            #expect(answer["status"] as? String == "open")
            #expect(answer["amount"] as? Int == 1_350_000)
            #expect(answer["description"] as? String == "Stay at Hotel Aurora, 3 nights")
            #expect((answer["items"] as? [[String: Any]])?.map { $0["sku"] as? String } == ["ROOM"])
            #expect(answer["providerOrderId"] as? String == invoice.orderID)
            let answeredExpiry = try #require((answer["expiresAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(answeredExpiry.timeIntervalSince(expiresAt)) < 1)

            // The provider's order says the same.
            let atProvider = try #require(await api.sandbox.state.orderContent(id: invoice.orderID))
            #expect(atProvider.amountMinor == 1_350_000)
            #expect(atProvider.description == "Stay at Hotel Aurora, 3 nights")
            // And so does every later read.
            let read = try await api.send(.get, path).json()
            #expect(read["amount"] as? Int == 1_350_000)
            #expect(read["description"] as? String == "Stay at Hotel Aurora, 3 nights")
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.updated"])

            // A member left out stays: only the payer changes now.
            let payer = try await api.send(.patch, path, json: #"{"customer":{"type":"private","name":"Irina Sokolova","phone":"79161234567"}}"#)
            #expect(payer.status == .ok)
            #expect(try payer.json()["amount"] as? Int == 1_350_000)
            #expect(try payer.json()["description"] as? String == "Stay at Hotel Aurora, 3 nights")

            // The guest pays the edited amount, and the notification matches it.
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            let notified = try await api.notify(tenant, body: try await api.notificationBody(invoice), signature: nil)
            #expect(notified["status"] as? String == "success")
            #expect(try await api.invoiceStatus(invoice) == "paid")
        }
    }

    @Test func anEditAfterPaymentIsRefusedAndChangesNothing() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("late-editor")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let refused = try await api.send(.patch, "/v1/tenants/\(tenant)/invoices/\(invoice)", json: Self.longerStay)
            #expect(refused.status == .conflict)
            #expect(refused.problemCode == "invoice_not_editable")
            let read = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()
            #expect(read["amount"] as? Int == 1_070_100)
            #expect(read["status"] as? String == "paid")
            #expect(await api.sandbox.state.orderContent(id: orderID)?.amountMinor == 1_070_100)
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.paid"])
        }
    }

    @Test func badBodiesAreRefusedWithPointersAndChangeNothing() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("bad-editor")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let path = "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)"
            func pointers(_ body: String) async throws -> [String] {
                let response = try await api.send(.patch, path, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.problemCode == "validation_failed", "\(body)")
                return (try response.json()["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String }
            }
            #expect(
                try await pointers(#"{"items":[{"name":"","quantity":0,"unitPrice":100,"vatCode":"RUS_VAT22"}]}"#) == ["/items/0/name", "/items/0/quantity"])
            #expect(try await pointers(#"{"items":[{"name":"Room","quantity":1,"unitPrice":100,"vatCode":"RUS_VAT99"}]}"#) == ["/items/0/vatCode"])
            #expect(try await pointers(#"{"customer":{"type":"private","email":"not-an-address"}}"#) == ["/customer/email"])
            #expect(try await pointers(#"{"expiresAt":"2001-01-01T00:00:00Z"}"#) == ["/expiresAt"])
            #expect(try await pointers(#"{"returnUrl":"ftp://hotel.example/back"}"#) == ["/returnUrl"])
            #expect(try await pointers(#"{"reservation":{"checkIn":"2026-08-14","checkOut":"2026-08-12"}}"#) == ["/reservation/checkOut"])
            #expect(try await pointers("{}") == [""])
            // Members that cannot change are not part of the body at all.
            let currency = try await api.send(.patch, path, json: #"{"currency":"EUR"}"#)
            #expect(currency.status == .badRequest)
            #expect(currency.problemCode == "invalid_body")

            #expect(await api.sandbox.state.orderContent(id: invoice.orderID)?.amountMinor == 1_070_100)
            #expect(try await api.send(.get, path).json()["amount"] as? Int == 1_070_100)
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created"])
        }
    }

    @Test func aRepeatedEditWithTheSameKeyIsAnsweredAgain() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("replayer")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let path = "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)"
            var headers = HTTPFields()
            headers[HTTPField.Name("Idempotency-Key")!] = "edit-1"
            let first = try await api.send(.patch, path, json: Self.longerStay, headers: headers)
            #expect(first.status == .ok)
            let again = try await api.send(.patch, path, json: Self.longerStay, headers: headers)
            #expect(again.status == .ok)
            #expect(try again.json()["updatedAt"] as? String == (try first.json()["updatedAt"] as? String))
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.updated"])
            let other = try await api.send(.patch, path, json: #"{"description":"Another"}"#, headers: headers)
            #expect(other.status == .unprocessableContent)
            #expect(other.problemCode == "idempotency_key_reused")

            // A refusal is kept for its key too: the guest paid, and the same edit is refused again.
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            headers[HTTPField.Name("Idempotency-Key")!] = "edit-2"
            let late = try await api.send(.patch, path, json: #"{"description":"Too late"}"#, headers: headers)
            #expect(late.problemCode == "invoice_not_editable")
            let lateAgain = try await api.send(.patch, path, json: #"{"description":"Too late"}"#, headers: headers)
            #expect(lateAgain.problemCode == "invoice_not_editable")
        }
    }

    @Test(arguments: [false, true])
    func anEditThatLosesTheRaceWithAPaymentAnswers409AndThePaymentStays(providerUpdatesPaidOrders: Bool) async throws {
        var sandbox = SandboxConfiguration.fast
        sandbox.updatesPaidOrders = providerUpdatesPaidOrders
        try await TestAPI.run(sandboxConfiguration: sandbox) { api in
            let (tenant, merchantID) = try await api.activeTenant("racing-editor")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            // The guest pays; Folio has not heard of it yet.
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            #expect(try await api.invoiceStatus(invoice) == "open")

            let refused = try await api.send(.patch, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)", json: Self.longerStay)
            #expect(refused.status == .conflict)
            #expect(refused.problemCode == "invoice_not_editable")
            if providerUpdatesPaidOrders {
                #expect((try refused.json()["detail"] as? String)?.contains("no longer awaiting payment") == true)
            } else {
                #expect(try refused.json()["providerCode"] as? String == "wrong_order_status")
            }
            let synced = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)/sync").json()
            #expect(synced["status"] as? String == "paid")
            // What was paid for stays Folio's invoice.
            #expect(synced["amount"] as? Int == 1_070_100)
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.paid"])
        }
    }

    @Test func concurrentEditsAreNeverLost() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("concurrent-editors")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let path = "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)"
            let renamed = #"{"description":"Renamed stay"}"#
            let shortened = #"{"items":[{"sku":"ROOM","name":"Standard room, 1 night","quantity":1,"unitPrice":450000,"vatCode":"RUS_VAT22"}]}"#
            async let description = api.send(.patch, path, json: renamed)
            async let items = api.send(.patch, path, json: shortened)
            let answers = try await [(renamed, description), (shortened, items)]
            // Each is stored, or told that the other is being applied; then it is sent again.
            for (body, answer) in answers where answer.status != .ok {
                #expect(answer.status == .conflict)
                #expect(answer.problemCode == "invoice_edit_in_progress")
                #expect(try await api.send(.patch, path, json: body).status == .ok)
            }
            #expect(answers.contains { $0.1.status == .ok })
            // Neither edit is lost, at Folio or at the provider.
            let read = try await api.send(.get, path).json()
            #expect(read["description"] as? String == "Renamed stay")
            #expect(read["amount"] as? Int == 450_000)
            let atProvider = try #require(await api.sandbox.state.orderContent(id: invoice.orderID))
            #expect(atProvider.description == "Renamed stay")
            #expect(atProvider.amountMinor == 450_000)
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.updated", "invoice.updated"])
        }
    }

    @Test func aLostUpdateAnswerLeavesTheEditPendingAndRecoveryStoresIt() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("lost-edit")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let path = "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)"
            await api.sandbox.state.inject(SandboxFault(kind: .dropResponse, method: "PUT", pathContains: "/order/order/", remaining: 1))

            let lost = try await api.send(.patch, path, json: Self.longerStay)
            #expect(lost.status == .serviceUnavailable)
            #expect(lost.problemCode == "provider_unavailable")
            // The provider took it; Folio keeps it pending, queued for the recovery job.
            #expect(await api.sandbox.state.orderContent(id: invoice.orderID)?.amountMinor == 1_350_000)
            #expect(try await api.send(.get, path).json()["amount"] as? Int == 1_070_100)
            #expect(try await Self.pendingEdits(api) == 1)
            // Another edit waits for it.
            let second = try await api.send(.patch, path, json: #"{"description":"Another"}"#)
            #expect(second.status == .conflict)
            #expect(second.problemCode == "invoice_edit_in_progress")

            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            #expect(try await Self.pendingEdits(api) == 0)
            let read = try await api.send(.get, path).json()
            #expect(read["amount"] as? Int == 1_350_000)
            #expect(read["description"] as? String == "Stay at Hotel Aurora, 3 nights")
            try await Self.expectSameBasket(api, invoice, read)
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.updated"])

            // The next edit is applied on top.
            #expect(try await api.send(.patch, path, json: #"{"description":"Another"}"#).status == .ok)
            #expect(await api.sandbox.state.orderContent(id: invoice.orderID)?.description == "Another")
        }
    }

    @Test func theNextEditFinishesALostOneWhoseAttemptHasGivenUp() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("overtaken-edit")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let path = "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)"
            await api.sandbox.state.inject(SandboxFault(kind: .dropResponse, method: "PUT", pathContains: "/order/order/", remaining: 1))
            #expect(try await api.send(.patch, path, json: Self.longerStay).status == .serviceUnavailable)
            // The attempt's lease has passed.
            try await api.database.query(
                "UPDATE \(unescaped: TestAPI.schema(of: tenant)).invoices SET pending_edit_until = now() - interval '1 second' WHERE pending_edit_id IS NOT NULL",
                logger: TestDatabase.logger)

            let next = try await api.send(.patch, path, json: #"{"description":"Another"}"#)
            #expect(next.status == .ok)
            #expect(try next.json()["amount"] as? Int == 1_350_000)
            #expect(try next.json()["description"] as? String == "Another")
            #expect(try await Self.pendingEdits(api) == 0)
            let atProvider = try #require(await api.sandbox.state.orderContent(id: invoice.orderID))
            #expect(atProvider.amountMinor == 1_350_000)
            #expect(atProvider.description == "Another")
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.updated", "invoice.updated"])
        }
    }

    @Test func aRetryWithTheSameKeyResumesTheLostEdit() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("resumed-edit")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let path = "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)"
            var headers = HTTPFields()
            headers[HTTPField.Name("Idempotency-Key")!] = "lost-edit-1"
            await api.sandbox.state.inject(SandboxFault(kind: .dropResponse, method: "PUT", pathContains: "/order/order/", remaining: 1))
            #expect(try await api.send(.patch, path, json: Self.longerStay, headers: headers).status == .serviceUnavailable)

            let resumed = try await api.send(.patch, path, json: Self.longerStay, headers: headers)
            #expect(resumed.status == .ok)
            #expect(try resumed.json()["amount"] as? Int == 1_350_000)
            #expect(try await Self.pendingEdits(api) == 0)
            try await Self.expectSameBasket(api, invoice, try resumed.json())
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.updated"])
        }
    }

    @Test func theGuestPaysTheEditedAmountBeforeTheEditIsStored() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("paid-while-pending")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let path = "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)"
            await api.sandbox.state.inject(SandboxFault(kind: .dropResponse, method: "PUT", pathContains: "/order/order/", remaining: 1))
            #expect(try await api.send(.patch, path, json: Self.longerStay).status == .serviceUnavailable)

            // The guest pays what the provider's order says: the edited amount.
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            let early = try await api.notify(tenant, body: try await api.notificationBody(invoice), signature: nil)
            #expect(early["code"] as? String == "out_of_service")
            #expect(try await api.notificationVerdicts(tenant) == ["out_of_service"])
            #expect(try await api.invoiceStatus(invoice) == "open")

            // Sent again, the edit is refused (the order is paid); the read shows it went through.
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            #expect(try await Self.pendingEdits(api) == 0)
            let read = try await api.send(.get, path).json()
            #expect(read["status"] as? String == "paid")
            #expect(read["amount"] as? Int == 1_350_000)
            try await Self.expectSameBasket(api, invoice, read)

            // The provider's retry is accepted.
            let retried = try await api.notify(tenant, body: try await api.notificationBody(invoice), signature: nil)
            #expect(retried["status"] as? String == "success")
            #expect(try await api.notificationVerdicts(tenant) == ["out_of_service", "success"])
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.updated", "invoice.paid"])
        }
    }

    @Test func theGuestPaysTheFormerAmountAndTheLostEditIsDropped() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("paid-before-edit")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let path = "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)"
            // The update is refused before it is handled, and its refusal lost too.
            await api.sandbox.state.inject(SandboxFault(kind: .status, method: "PUT", pathContains: "/order/order/", remaining: 1, status: 504))
            #expect(try await api.send(.patch, path, json: Self.longerStay).status == .serviceUnavailable)
            #expect(try await Self.pendingEdits(api) == 1)
            try await api.sandbox.state.pay(orderID: invoice.orderID)

            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            #expect(try await Self.pendingEdits(api) == 0)
            let read = try await api.send(.get, path).json()
            #expect(read["status"] as? String == "paid")
            #expect(read["amount"] as? Int == 1_070_100)
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.paid"])
        }
    }

    @Test func noTransactionIsHeldWhileTheProviderUpdatesTheOrder() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("unlocked-edit")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let path = "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)"
            // The provider takes its time over the update: far longer than the checks below need
            // even on a loaded machine, and well inside the write budget.
            await api.sandbox.state.inject(
                SandboxFault(kind: .latency, method: "PUT", pathContains: "/order/order/", remaining: 1, milliseconds: 12_000))
            async let slow = api.send(.patch, path, json: Self.longerStay)
            let schema = TestAPI.schema(of: tenant)
            try await eventually {
                try await api.database.scalar(
                    "SELECT count(*) FROM \(unescaped: schema).invoices WHERE pending_edit_id IS NOT NULL", as: Int64.self) == 1
            }
            // The first commit is done: neither the invoice's row nor the shop's settings are locked,
            // and NOWAIT fails at once if they were.
            try await api.database.query(
                "SELECT 1 FROM \(unescaped: schema).invoices WHERE id = \(UUID(uuidString: invoice.invoiceID)!) FOR UPDATE NOWAIT",
                logger: TestDatabase.logger)
            try await api.database.query(
                "SELECT 1 FROM folio.tenant_invoicing WHERE merchant_id = \(merchantID) FOR UPDATE NOWAIT", logger: TestDatabase.logger)
            let second = try await api.send(.patch, path, json: #"{"description":"Another"}"#)
            #expect(second.problemCode == "invoice_edit_in_progress")
            // A request that updates the invoice's row is answered while the edit is still out.
            let synced = try await api.send(.post, path + "/sync")
            #expect(synced.status == .ok)
            #expect(try synced.json()["amount"] as? Int == 1_070_100)

            let edited = try await slow
            #expect(edited.status == .ok)
            #expect(try edited.json()["amount"] as? Int == 1_350_000)
        }
    }

    /// Edits pending in the recovery queue, across tenants.
    static func pendingEdits(_ api: TestAPI) async throws -> Int64? {
        try await api.database.scalar("SELECT count(*) FROM folio.pending_creations WHERE kind = 'edit'", as: Int64.self)
    }

    /// The provider's basket has the invoice's lines: the same skus and quantities, in order.
    static func expectSameBasket(_ api: TestAPI, _ invoice: OpenInvoice, _ read: [String: Any]) async throws {
        let order = try #require(try JSONSerialization.jsonObject(with: try await api.notificationBody(invoice)) as? [String: Any])
        let basket = try #require(order["basketItems"] as? [[String: Any]])
        let items = try #require(read["items"] as? [[String: Any]])
        #expect(basket.map { $0["sku"] as? String } == items.map { $0["sku"] as? String })
        #expect(basket.map { ($0["quantity"] as? NSNumber)?.int64Value } == items.map { ($0["quantity"] as? NSNumber)?.int64Value })
        #expect((order["amount"] as? NSNumber)?.doubleValue == Double(read["amount"] as? Int ?? 0) / 100)
    }

    @Test func sessionsCannotEditInvoices() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("session-editor")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let token = try await SessionEndpointTests.token(api, tenant)
            let refused = try await api.send(
                .patch, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)", key: .some(token), json: #"{"description":"Renamed"}"#)
            #expect(refused.status == .forbidden)
            #expect(await api.sandbox.state.orderContent(id: invoice.orderID)?.description == "Stay at Hotel Aurora")
        }
    }
}
