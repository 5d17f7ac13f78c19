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
    let book: InvoiceBook
    let logger: Logger
    let interval: Duration
    let schedule: ProviderReadSchedule
    /// The clock its pauses are measured on; a test steps it by hand.
    let clock: any Clock<Duration>

    package init(
        client: PostgresClient, book: InvoiceBook, logger: Logger, interval: Duration = .seconds(15),
        batchSize: Int = 50, perShop: Int = 5, leaseSeconds: Int = 300, longestWait: Int = 6 * 3600,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.book = book
        self.logger = logger
        self.interval = interval
        self.schedule = ProviderReadSchedule(
            table: "folio.refund_poll_schedule", idColumn: "refund_id", client: client, logger: logger,
            batchSize: batchSize, perShop: perShop, leaseSeconds: leaseSeconds, longestWait: longestWait
        )
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
        var read = 0
        for (tenant, id, attempts) in try await schedule.leaseDue() {
            do {
                let refund = try await book.pollRefund(tenant, id: id)
                read += 1
                if refund.status == .created {
                    try await reschedule(tenant, id, attempts: attempts)
                }
            } catch InvoiceError.notFound {
                try await schedule.remove(tenant, id)
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

    /// A refund still on its way is read again later, less and less often.
    private func reschedule(_ tenant: TenantID, _ id: UUID, attempts: Int) async throws {
        let wait = schedule.waitSeconds(afterAttempts: attempts)
        try await schedule.client.query(
            """
            UPDATE folio.refund_poll_schedule SET due_at = now() + \(wait) * interval '1 second'
            WHERE tenant_id = \(tenant.rawValue) AND refund_id = \(id)
            """,
            logger: logger
        )
    }
}
