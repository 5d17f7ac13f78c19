import FolioDomain
import Foundation
import InvoicingService
import Logging
import PostgresNIO
import ServiceLifecycle
import TenantRegistry

/// Re-reads from the provider the open invoices no notification has settled: those whose
/// notification is overdue and those past their expiry, and applies what it learns through the
/// same transition rules as notifications.
///
/// Due rows of `folio.reconciliation_schedule` are leased under `FOR UPDATE SKIP LOCKED`, so
/// replicas share the work. A pass takes at most `perShop` invoices of one tenant: the provider
/// allows each shop 100 requests per 30 s, and the reads of this job must leave most of that to
/// the host's own requests.
package struct Reconciler: Service {
    let book: InvoiceBook
    let logger: Logger
    let interval: Duration
    let schedule: ProviderReadSchedule
    /// The clock its pauses are measured on; a test steps it by hand.
    let clock: any Clock<Duration>

    package init(
        client: PostgresClient, book: InvoiceBook, logger: Logger, interval: Duration = .seconds(10),
        batchSize: Int = 50, perShop: Int = 5, leaseSeconds: Int = 300, longestWait: Int = 6 * 3600,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.book = book
        self.logger = logger
        self.interval = interval
        self.schedule = ProviderReadSchedule(
            table: "folio.reconciliation_schedule", idColumn: "invoice_id", client: client, logger: logger,
            batchSize: batchSize, perShop: perShop, leaseSeconds: leaseSeconds, longestWait: longestWait
        )
        self.clock = clock
    }

    package func run() async throws {
        await runPasses(pausing: interval, clock: clock, logger: logger, operation: "reconciliation.pass", failure: "reconciliation pass failed") {
            try await runOnce()
        }
    }

    /// One pass over the due invoices; returns how many were read from the provider.
    @discardableResult
    package func runOnce() async throws -> Int {
        var read = 0
        for (tenant, id, attempts) in try await schedule.leaseDue() {
            do {
                let invoice = try await book.sync(tenant, id: id)
                read += 1
                try await reschedule(tenant, invoice, attempts: attempts)
            } catch InvoiceError.notFound {
                try await schedule.remove(tenant, id)
            } catch {
                // The lease set above is the wait before the next try: a shop whose invoicing was
                // disabled, or a provider that is down, is asked less and less often.
                FailureReport.record(
                    error, "invoice not reconciled yet", operation: "invoice.reconcile", tenant: tenant,
                    extra: ["invoice.id": "\(id)"], level: .notice, logger: logger
                )
            }
        }
        return read
    }

    /// An invoice still open (or held) is read again later: sooner at first, then less often, and
    /// right after its expiry. Any other status is settled and leaves the schedule.
    private func reschedule(_ tenant: TenantID, _ invoice: Invoice, attempts: Int) async throws {
        guard ReconciliationSchedule.keeps(invoice.status) else {
            try await schedule.remove(tenant, invoice.id)
            return
        }
        let wait = schedule.waitSeconds(afterAttempts: attempts)
        try await schedule.client.query(
            """
            UPDATE folio.reconciliation_schedule
            SET due_at = CASE
                WHEN expires_at + interval '1 minute' > now()
                THEN least(now() + \(wait) * interval '1 second', expires_at + interval '1 minute')
                ELSE now() + \(wait) * interval '1 second' END
            WHERE tenant_id = \(tenant.rawValue) AND invoice_id = \(invoice.id)
            """,
            logger: logger
        )
    }
}
