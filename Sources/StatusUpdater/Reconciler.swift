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
    let client: PostgresClient
    let book: InvoiceBook
    let logger: Logger
    let interval: Duration
    let batchSize: Int
    let perShop: Int
    /// How long a leased row is left to the replica reading it; a read that fails waits this
    /// long times its attempts (at most `longestWait`) before the next.
    let leaseSeconds: Int
    /// The longest wait between two reads of an invoice that stays open.
    let longestWait: Int
    /// The clock its pauses are measured on; a test steps it by hand.
    let clock: any Clock<Duration>

    package init(
        client: PostgresClient, book: InvoiceBook, logger: Logger, interval: Duration = .seconds(10),
        batchSize: Int = 50, perShop: Int = 5, leaseSeconds: Int = 300, longestWait: Int = 6 * 3600,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.client = client
        self.book = book
        self.logger = logger
        self.interval = interval
        self.batchSize = batchSize
        self.perShop = perShop
        self.leaseSeconds = leaseSeconds
        self.longestWait = longestWait
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
        let lease = leaseSeconds
        let rows = try await client.query(
            """
            UPDATE folio.reconciliation_schedule AS r
            SET due_at = now() + least(\(lease) * (r.attempts + 1), \(longestWait)) * interval '1 second', attempts = r.attempts + 1
            FROM (
                SELECT tenant_id, invoice_id FROM folio.reconciliation_schedule
                WHERE (tenant_id, invoice_id) IN (
                    SELECT tenant_id, invoice_id FROM (
                        SELECT tenant_id, invoice_id, row_number() OVER (PARTITION BY tenant_id ORDER BY due_at) AS place
                        FROM folio.reconciliation_schedule WHERE due_at <= now()
                    ) AS ranked
                    WHERE place <= \(perShop)
                )
                AND due_at <= now()
                ORDER BY due_at LIMIT \(batchSize)
                FOR UPDATE SKIP LOCKED
            ) AS due
            WHERE r.tenant_id = due.tenant_id AND r.invoice_id = due.invoice_id
            RETURNING r.tenant_id, r.invoice_id, r.attempts, r.expires_at
            """,
            logger: logger
        )
        let due = try await rows.decode((UUID, UUID, Int, Date?).self).collect().map { tenant, invoice, attempts, expiresAt in
            (TenantID(tenant), invoice, attempts, expiresAt)
        }
        var read = 0
        for (tenant, id, attempts, expiresAt) in due {
            do {
                let invoice = try await book.sync(tenant, id: id)
                read += 1
                try await reschedule(tenant, invoice, attempts: attempts, expiresAt: expiresAt)
            } catch InvoiceError.notFound {
                try await remove(tenant, id)
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

    /// An invoice still open is read again later: sooner at first, then less often, and right
    /// after its expiry. Any other status is settled and leaves the schedule.
    private func reschedule(_ tenant: TenantID, _ invoice: Invoice, attempts: Int, expiresAt: Date?) async throws {
        guard invoice.status == .open else {
            try await remove(tenant, invoice.id)
            return
        }
        let wait = min(longestWait, 15 * 60 * (1 << min(attempts, 20)))
        try await client.query(
            """
            UPDATE folio.reconciliation_schedule
            SET due_at = CASE
                WHEN \(expiresAt) + interval '1 minute' > now()
                THEN least(now() + \(wait) * interval '1 second', \(expiresAt) + interval '1 minute')
                ELSE now() + \(wait) * interval '1 second' END
            WHERE tenant_id = \(tenant.rawValue) AND invoice_id = \(invoice.id)
            """,
            logger: logger
        )
    }

    private func remove(_ tenant: TenantID, _ id: UUID) async throws {
        try await client.query(
            "DELETE FROM folio.reconciliation_schedule WHERE tenant_id = \(tenant.rawValue) AND invoice_id = \(id)",
            logger: logger
        )
    }
}
