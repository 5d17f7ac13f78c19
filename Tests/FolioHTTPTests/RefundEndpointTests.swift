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

/// Refunds of paid invoices, end to end through the REST API, PostgreSQL and the sandbox.
@Suite struct RefundEndpointTests {
    @Test func refundsInPartThenInFullNeverMoreThanWasPaid() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("refunder")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let refunds = "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds"

            let breakfast = try await api.send(.post, refunds, json: #"{"items":[{"sku":"BRKF","amount":85050}],"description":"Breakfast not served"}"#)
            #expect(breakfast.status == .created)
            let partial = try breakfast.json()
            #expect(partial["amount"] as? Int == 85_050)
            #expect(partial["vatAmount"] as? Int == 7_732)
            #expect(partial["status"] as? String == "created")
            let afterPartial = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()
            #expect(afterPartial["status"] as? String == "partially_refunded")
            #expect(afterPartial["refundedAmount"] as? Int == 85_050)

            let tooMuch = try await api.send(.post, refunds, json: #"{"amount":2000000}"#)
            #expect(tooMuch.status == .unprocessableContent)
            #expect((try tooMuch.json()["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/amount")
            let lineTooMuch = try await api.send(.post, refunds, json: #"{"items":[{"sku":"BRKF","amount":85051}]}"#)
            #expect((try lineTooMuch.json()["errors"] as? [[String: Any]])?.first?["code"] as? String == "exceeds_refundable")
            let unknownLine = try await api.send(.post, refunds, json: #"{"items":[{"sku":"SPA","amount":100}]}"#)
            #expect((try unknownLine.json()["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/items/0/sku")
            let both = try await api.send(.post, refunds, json: #"{"amount":100,"items":[{"sku":"ROOM","amount":100}]}"#)
            #expect(both.problemCode == "validation_failed")

            let rest = try await api.send(.post, refunds, json: "{}")
            #expect(rest.status == .created)
            #expect(try rest.json()["amount"] as? Int == 1_070_100 - 85_050)
            let afterFull = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()
            #expect(afterFull["status"] as? String == "refunded")
            #expect(afterFull["refundedAmount"] as? Int == 1_070_100)
            // Nothing is left: the invoice is refunded and refuses more.
            #expect(try await api.send(.post, refunds, json: "{}").problemCode == "invoice_not_refundable")

            let listed = try await api.send(.get, refunds).json()
            let ids = (listed["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids.count == 2)
            // Each refund is its own provider order, under its own merchantOrderId.
            let atProvider = await api.sandbox.state.refunds(parentID: orderID)
            #expect(Set(atProvider.map(\.merchantOrderID)) == Set(ids))
            #expect(atProvider.map(\.amountMinor).reduce(0, +) == 1_070_100)
        }
    }

    @Test func concurrentRefundsTogetherStayWithinWhatWasPaid() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("racer")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds", json: #"{"amount":200000}"#).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // 5 × 2,000.00 fit in 10,701.00; a sixth would not.
            #expect(statuses.filter { $0 == .created }.count == 5)
            #expect(statuses.filter { $0 == .unprocessableContent }.count == 5)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()["refundedAmount"] as? Int == 1_000_000)
            #expect(await api.sandbox.state.refunds(parentID: orderID).count == 5)
        }
    }

    @Test func onlyAPaidInvoiceCanBeRefunded() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("unpaid")
            let invoice = try #require(try await api.createInvoice(tenant).json()["id"] as? String)
            let refused = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds", json: "{}")
            #expect(refused.status == .conflict)
            #expect(refused.problemCode == "invoice_not_refundable")
            #expect((try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds").json()["items"] as? [Any])?.isEmpty == true)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(UUID())/refunds").problemCode == "invoice_not_found")
        }
    }

    @Test func aRetryAdoptsTheRefundTheFirstAttemptMadeEvenWhenASecondCreateIsRefused() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("lost-refund")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let refunds = "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds"
            try await api.refundWhoseAnswerIsLost(refunds, idempotencyKey: "refund-1")
            #expect(await api.sandbox.state.refunds(parentID: orderID).count == 1)

            // Sent again, the refund would now be refused: nothing is left to refund at the provider.
            await api.sandbox.state.inject(
                SandboxFault(
                    kind: .status, method: "POST", pathContains: "/refund-order", remaining: 1, status: 422, code: "wrong_total_amount"
                ))
            let retry = try await api.send(.post, refunds, json: "{}", headers: [HTTPField.Name("Idempotency-Key")!: "refund-1"])
            await api.sandbox.state.clearFaults()
            #expect(retry.status == .created)
            let adopted = try retry.json()
            #expect(adopted["status"] as? String == "created")
            let atProvider = await api.sandbox.state.refunds(parentID: orderID)
            #expect(atProvider.count == 1)
            #expect(adopted["providerRefundId"] as? String == atProvider.first?.id)
            let after = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()
            #expect(after["refundedAmount"] as? Int == 1_070_100)
            #expect(after["status"] as? String == "refunded")
            #expect(try await api.eventTypes(tenant).filter { $0 == "invoice.refunded" }.count == 1)
        }
    }

    @Test func theRecoveryJobAdoptsAPendingRefundTheProviderAlreadyMade() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("recovered-refund")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let refunds = "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds"
            try await api.refundWhoseAnswerIsLost(refunds, idempotencyKey: nil)

            // A second create would be refused; the job must not need one.
            await api.sandbox.state.inject(
                SandboxFault(
                    kind: .status, method: "POST", pathContains: "/refund-order", remaining: 1, status: 422, code: "wrong_total_amount"
                ))
            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            await api.sandbox.state.clearFaults()
            let listed = try #require((try await api.send(.get, refunds).json()["items"] as? [[String: Any]])?.first)
            #expect(listed["status"] as? String == "created")
            #expect(await api.sandbox.state.refunds(parentID: orderID).count == 1)
            let after = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()
            #expect(after["refundedAmount"] as? Int == 1_070_100)
            #expect(after["status"] as? String == "refunded")
        }
    }
}

extension TestAPI {
    /// Asks for a full refund that the provider makes but whose answer a proxy loses, and whose
    /// lookup right after fails too: Folio is left holding it as pending.
    func refundWhoseAnswerIsLost(_ refunds: String, idempotencyKey: String?) async throws {
        await sandbox.state.inject(SandboxFault(kind: .dropResponse, method: "POST", pathContains: "/refund-order", remaining: 1))
        await sandbox.state.inject(SandboxFault(kind: .malformedBody, method: "GET", pathContains: "/refund-order", remaining: 1))
        var headers = HTTPFields()
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        let first = try await send(.post, refunds, json: "{}", headers: headers)
        guard first.status == .serviceUnavailable,
            (try await send(.get, refunds).json()["items"] as? [[String: Any]])?.first?["status"] as? String == "pending"
        else { throw UnexpectedResponse(status: first.status, body: String(buffer: first.body)) }
    }

    /// An invoice the guest paid in the sandbox, synced into Folio; returns its id and the provider's order id.
    func paidInvoice(_ tenant: String) async throws -> (invoice: String, orderID: String) {
        let created = try await createInvoice(tenant).json()
        guard let invoice = created["id"] as? String, let orderID = created["providerOrderId"] as? String else {
            throw UnexpectedResponse(status: .internalServerError, body: "\(created)")
        }
        try await sandbox.state.pay(orderID: orderID)
        let synced = try await send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice)/sync")
        guard try synced.json()["status"] as? String == "paid" else {
            throw UnexpectedResponse(status: synced.status, body: String(buffer: synced.body))
        }
        return (invoice, orderID)
    }
}
