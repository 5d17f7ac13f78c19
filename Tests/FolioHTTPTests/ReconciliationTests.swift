import FolioTestSupport
import Foundation
import PostgresNIO
import StatusUpdater
import Testing

@testable import InvoiceboxSandbox

@Suite(.serialized) struct ReconciliationTests {
    static func reconciler(_ api: TestAPI, batchSize: Int = 50, perShop: Int = 5) -> Reconciler {
        Reconciler(client: api.database, book: api.book, logger: TestDatabase.logger, batchSize: batchSize, perShop: perShop)
    }

    static func makeDue(_ api: TestAPI) async throws {
        try await api.database.query("UPDATE folio.reconciliation_schedule SET due_at = now()", logger: TestDatabase.logger)
    }

    static func scheduled(_ api: TestAPI) async throws -> Int64 {
        try await api.database.scalar("SELECT count(*) FROM folio.reconciliation_schedule", as: Int64.self) ?? -1
    }

    @Test func aPaymentWhoseNotificationNeverCameIsFoundAndAnExpiredInvoiceIsClosed() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("reconciled")
            let paid = try await api.openInvoice(tenant, merchantID: merchantID, reservationID: "PAID")
            let expired = try await api.openInvoice(tenant, merchantID: merchantID, reservationID: "EXPIRED")
            let untouched = try await api.openInvoice(tenant, merchantID: merchantID, reservationID: "OPEN")
            #expect(try await Self.scheduled(api) == 3)
            // The provider's notifications go nowhere in this test: only the job can learn these.
            try await api.sandbox.state.pay(orderID: paid.orderID)
            try await api.sandbox.state.expire(orderID: expired.orderID)
            let job = Self.reconciler(api)
            #expect(try await job.runOnce() == 0, "nothing is due before its time")
            try await Self.makeDue(api)
            #expect(try await job.runOnce() == 3)
            #expect(try await api.invoiceStatus(paid) == "paid")
            #expect(try await api.invoiceStatus(expired) == "expired")
            #expect(try await api.invoiceStatus(untouched) == "open")
            #expect(try await api.eventTypes(tenant).suffix(2).sorted() == ["invoice.expired", "invoice.paid"])
            // Only the invoice still open stays scheduled, for later than now.
            #expect(try await Self.scheduled(api) == 1)
            #expect(try await job.runOnce() == 0)
            let later = try await api.database.scalar(
                "SELECT due_at > now() + interval '10 minutes' FROM folio.reconciliation_schedule", as: Bool.self
            )
            #expect(later == true)
        }
    }

    @Test func aPassReadsAtMostAFewInvoicesOfOneShop() async throws {
        try await TestAPI.run { api in
            let (busy, busyShop) = try await api.activeTenant("busy-shop")
            let (quiet, quietShop) = try await api.activeTenant("quiet-shop")
            for number in 0..<7 { _ = try await api.openInvoice(busy, merchantID: busyShop, reservationID: "B-\(number)") }
            _ = try await api.openInvoice(quiet, merchantID: quietShop, reservationID: "Q-0")
            try await Self.makeDue(api)
            let job = Self.reconciler(api, perShop: 3)
            #expect(try await job.runOnce() == 4, "three of the busy shop, and the quiet shop's one")
            // The rest of the busy shop waits for later passes, a few at a time.
            #expect(try await job.runOnce() == 3)
            #expect(try await job.runOnce() == 1)
            #expect(try await job.runOnce() == 0)
        }
    }

    @Test func twoReplicasNeverReadTheSameInvoiceInOnePass() async throws {
        try await TestAPI.run { api in
            for shop in 0..<4 {
                let (tenant, merchantID) = try await api.activeTenant("replica-shop-\(shop)")
                for number in 0..<5 { _ = try await api.openInvoice(tenant, merchantID: merchantID, reservationID: "R-\(number)") }
            }
            try await Self.makeDue(api)
            // Slow reads keep both passes running at once; each may take half of the due invoices.
            await api.sandbox.state.inject(SandboxFault(kind: .latency, method: "GET", pathContains: "/order", remaining: 40, milliseconds: 30))
            let first = Self.reconciler(api, batchSize: 10)
            let second = Self.reconciler(api, batchSize: 10)
            async let a = first.runOnce()
            async let b = second.runOnce()
            let (readByFirst, readBySecond) = try await (a, b)
            #expect(readByFirst == 10)
            #expect(readBySecond == 10)
            #expect(try await first.runOnce() == 0, "every due invoice was read once")
        }
    }
}
