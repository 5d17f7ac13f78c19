import FolioDomain
import Foundation
import InvoicingService
import Logging
import PostgresNIO
import ServiceLifecycle
import TenantRegistry

/// Reads from the provider the refunds it accepted until each is final: `completed` (the money
/// went back) or `canceled` (it never will, and its amount is free again). The provider sends
/// no notification for refunds, so this job is how Folio and the host learn either.
///
/// Due rows of `folio.refund_poll_schedule` are leased under `FOR UPDATE SKIP LOCKED`, so
/// replicas share the work. A refund is read 15 minutes after it was accepted, then less and less
/// often (up to `longestWait`), and a pass takes at most `perShop` refunds of one tenant, leaving
/// most of the shop's 100 requests per 30 s to the host's own requests.
package struct RefundPoller: Service {
    let client: PostgresClient
    let book: InvoiceBook
    let logger: Logger
    let interval: Duration
    let batchSize: Int
    let perShop: Int
    /// How long a leased row is left to the replica reading it; a read that fails waits this
    /// long times its attempts (at most `longestWait`) before the next.
    let leaseSeconds: Int
    /// The longest wait between two reads of a refund that is not final.
    let longestWait: Int

    /// The clock its pauses are measured on; a test steps it by hand.
    let clock: any Clock<Duration>

    package init(
        client: PostgresClient, book: InvoiceBook, logger: Logger, interval: Duration = .seconds(15),
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
        await runPasses(pausing: interval, clock: clock, logger: logger, operation: "refund_poll.pass", failure: "refund status pass failed") {
            try await runOnce()
        }
    }

    /// One pass over the due refunds; returns how many were read from the provider.
    @discardableResult
    package func runOnce() async throws -> Int {
        let lease = leaseSeconds
        let rows = try await client.query(
            """
            UPDATE folio.refund_poll_schedule AS r
            SET due_at = now() + least(\(lease) * (r.attempts + 1), \(longestWait)) * interval '1 second', attempts = r.attempts + 1
            FROM (
                SELECT tenant_id, refund_id FROM folio.refund_poll_schedule
                WHERE (tenant_id, refund_id) IN (
                    SELECT tenant_id, refund_id FROM (
                        SELECT tenant_id, refund_id, row_number() OVER (PARTITION BY tenant_id ORDER BY due_at) AS place
                        FROM folio.refund_poll_schedule WHERE due_at <= now()
                    ) AS ranked
                    WHERE place <= \(perShop)
                )
                AND due_at <= now()
                ORDER BY due_at LIMIT \(batchSize)
                FOR UPDATE SKIP LOCKED
            ) AS due
            WHERE r.tenant_id = due.tenant_id AND r.refund_id = due.refund_id
            RETURNING r.tenant_id, r.refund_id, r.attempts
            """,
            logger: logger
        )
        let due = try await rows.decode((UUID, UUID, Int).self).collect().map { tenant, refund, attempts in
            (TenantID(tenant), refund, attempts)
        }
        var read = 0
        for (tenant, id, attempts) in due {
            do {
                let refund = try await book.pollRefund(tenant, id: id)
                read += 1
                if refund.status == .created {
                    try await reschedule(tenant, id, attempts: attempts)
                }
            } catch InvoiceError.notFound {
                try await remove(tenant, id)
            } catch {
                // The lease set above is the wait before the next try: a shop whose invoicing was
                // disabled, or a provider that is down, is asked less and less often.
                FailureReport.record(
                    error, "refund status not read yet", operation: "refund.poll", tenant: tenant,
                    extra: ["refund.id": "\(id)"], level: .notice, logger: logger
                )
            }
        }
        return read
    }

    /// A refund still on its way is read again later: 15 minutes after the first read, then
    /// twice as long each time, up to `longestWait`.
    private func reschedule(_ tenant: TenantID, _ id: UUID, attempts: Int) async throws {
        let wait = min(longestWait, 15 * 60 * (1 << min(attempts, 20)))
        try await client.query(
            """
            UPDATE folio.refund_poll_schedule SET due_at = now() + \(wait) * interval '1 second'
            WHERE tenant_id = \(tenant.rawValue) AND refund_id = \(id)
            """,
            logger: logger
        )
    }

    private func remove(_ tenant: TenantID, _ id: UUID) async throws {
        try await client.query(
            "DELETE FROM folio.refund_poll_schedule WHERE tenant_id = \(tenant.rawValue) AND refund_id = \(id)",
            logger: logger
        )
    }
}
