import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoicingService
import PostgresNIO
import StatusUpdater
import Testing

@testable import InvoiceboxSandbox

/// Refunds the provider accepted are read again until they are final, and their outcome reaches
/// the invoice and the host.
@Suite(.serialized) struct RefundStatusTests {
    static func poller(_ api: TestAPI, perShop: Int = 5) -> RefundPoller {
        RefundPoller(client: api.database, book: api.book, logger: TestDatabase.logger, perShop: perShop)
    }

    static func makeDue(_ api: TestAPI) async throws {
        try await api.database.query("UPDATE folio.refund_poll_schedule SET due_at = now()", logger: TestDatabase.logger)
    }

    static func scheduled(_ api: TestAPI) async throws -> Int64 {
        try await api.database.scalar("SELECT count(*) FROM folio.refund_poll_schedule", as: Int64.self) ?? -1
    }

    /// The last event of the tenant: its type and its `data`.
    static func lastEvent(_ api: TestAPI, _ tenant: String) async throws -> (type: String?, data: [String: Any]) {
        let page = try await api.send(.get, "/v1/tenants/\(tenant)/events?limit=100").json()
        let last = (page["items"] as? [[String: Any]])?.last
        return (last?["type"] as? String, last?["data"] as? [String: Any] ?? [:])
    }

    @Test func aRefundIsReadLessAndLessOftenUntilItCompletes() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("completing-refund")
            let (invoice, _) = try await api.paidInvoice(tenant)
            let refunds = "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds"
            let created = try await api.send(.post, refunds, json: #"{"items":[{"sku":"BRKF","amount":85050}]}"#).json()
            let providerRefundID = try #require(created["providerRefundId"] as? String)
            #expect(try await Self.scheduled(api) == 1)
            let job = Self.poller(api)
            #expect(try await job.runOnce() == 0, "nothing is due before its time")

            try await Self.makeDue(api)
            #expect(try await job.runOnce() == 1)
            // Still on its way: read again later, not at the next pass.
            #expect((try await api.send(.get, refunds).json()["items"] as? [[String: Any]])?.first?["status"] as? String == "created")
            #expect(try await job.runOnce() == 0)
            let later = try await api.database.scalar(
                "SELECT due_at > now() + interval '10 minutes' FROM folio.refund_poll_schedule", as: Bool.self
            )
            #expect(later == true)

            try await api.sandbox.state.completeRefund(id: providerRefundID)
            try await Self.makeDue(api)
            #expect(try await job.runOnce() == 1)
            #expect((try await api.send(.get, refunds).json()["items"] as? [[String: Any]])?.first?["status"] as? String == "completed")
            let (type, data) = try await Self.lastEvent(api, tenant)
            #expect(type == "refund.completed")
            #expect((data["refund"] as? [String: Any])?["status"] as? String == "completed")
            #expect(data["status"] as? String == "partially_refunded")
            #expect(data["refundedAmount"] as? Int == 85_050)
            // Final: never read again.
            #expect(try await Self.scheduled(api) == 0)
            try await Self.makeDue(api)
            #expect(try await job.runOnce() == 0)
        }
    }

    @Test func aRefundTheProviderCancelsGivesItsAmountBack() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("canceled-refund")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let refunds = "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds"
            let full = try await api.send(.post, refunds, json: "{}").json()
            let providerRefundID = try #require(full["providerRefundId"] as? String)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()["status"] as? String == "refunded")

            try await api.sandbox.state.cancelRefund(id: providerRefundID)
            try await Self.makeDue(api)
            #expect(try await Self.poller(api).runOnce() == 1)
            #expect((try await api.send(.get, refunds).json()["items"] as? [[String: Any]])?.first?["status"] as? String == "canceled")
            // No money went back: the invoice is paid again, with nothing refunded.
            let after = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()
            #expect(after["status"] as? String == "paid")
            #expect(after["refundedAmount"] as? Int == 0)
            let (type, data) = try await Self.lastEvent(api, tenant)
            #expect(type == "refund.canceled")
            #expect((data["refund"] as? [String: Any])?["status"] as? String == "canceled")
            #expect(data["status"] as? String == "paid")
            #expect(data["refundedAmount"] as? Int == 0)
            #expect(try await Self.scheduled(api) == 0)

            // The amount can be refunded again, in Folio and at the provider.
            let again = try await api.send(.post, refunds, json: #"{"amount":100000}"#)
            #expect(again.status == .created)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()["status"] as? String == "partially_refunded")
            #expect(await api.sandbox.state.refunds(parentID: orderID).count == 2)
        }
    }

    @Test func aPendingRefundFoundCanceledAtTheProviderGivesItsAmountBack() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("pending-canceled-refund")
            let (invoice, orderID) = try await api.paidInvoice(tenant)
            let refunds = "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds"
            try await api.refundWhoseAnswerIsLost(refunds, idempotencyKey: nil)
            let providerRefundID = try #require(await api.sandbox.state.refunds(parentID: orderID).first?.id)
            try await api.sandbox.state.cancelRefund(id: providerRefundID)

            try await api.database.query("UPDATE folio.pending_creations SET due_at = now()", logger: TestDatabase.logger)
            #expect(try await api.recovery.runOnce() == 1)
            #expect((try await api.send(.get, refunds).json()["items"] as? [[String: Any]])?.first?["status"] as? String == "canceled")
            let after = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()
            #expect(after["status"] as? String == "paid")
            #expect(after["refundedAmount"] as? Int == 0)
            #expect(try await Self.lastEvent(api, tenant).type == "refund.canceled")
            #expect(try await Self.scheduled(api) == 0)
        }
    }

    @Test func aPassReadsAtMostAFewRefundsOfOneShop() async throws {
        try await TestAPI.run { api in
            let (busy, _) = try await api.activeTenant("busy-refunds")
            let (quiet, _) = try await api.activeTenant("quiet-refunds")
            let (busyInvoice, _) = try await api.paidInvoice(busy)
            let (quietInvoice, _) = try await api.paidInvoice(quiet)
            for _ in 0..<4 {
                #expect(try await api.send(.post, "/v1/tenants/\(busy)/invoices/\(busyInvoice)/refunds", json: #"{"amount":1000}"#).status == .created)
            }
            #expect(try await api.send(.post, "/v1/tenants/\(quiet)/invoices/\(quietInvoice)/refunds", json: #"{"amount":1000}"#).status == .created)
            try await Self.makeDue(api)
            let job = Self.poller(api, perShop: 2)
            #expect(try await job.runOnce() == 3, "two of the busy shop, and the quiet shop's one")
            #expect(try await job.runOnce() == 2)
            #expect(try await job.runOnce() == 0)
        }
    }
}
