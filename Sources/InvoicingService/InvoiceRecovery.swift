import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import ServiceLifecycle
import TenantRegistry

/// Finishes invoices, refunds and fulfilments left `pending` by a crash, a timeout or an unreachable provider,
/// sends again the invoice edits whose provider update lost its answer, and issues the tax
/// invoices of paid proformas.
///
/// Due rows of `folio.pending_creations` are leased (their due time pushed back) under
/// `FOR UPDATE SKIP LOCKED`, so several replicas share the work without doing any of it twice at
/// once; a replica that dies mid-work lets its lease lapse and another picks the row up.
package struct InvoiceRecovery: Service {
    let client: PostgresClient
    let book: InvoiceBook
    let logger: Logger
    let interval: Duration
    let batchSize: Int
    /// How long a leased row is left alone, and how the wait grows with each failed attempt.
    let leaseSeconds: Int

    /// The clock its pauses are measured on; a test steps it by hand.
    let clock: any Clock<Duration>

    package init(
        client: PostgresClient, book: InvoiceBook, logger: Logger, interval: Duration = .seconds(15), batchSize: Int = 20, leaseSeconds: Int = 120,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.clock = clock
        self.client = client
        self.book = book
        self.logger = logger
        self.interval = interval
        self.batchSize = batchSize
        self.leaseSeconds = leaseSeconds
    }

    package func run() async throws {
        await runPasses(pausing: interval, clock: clock, logger: logger, operation: "recovery.pass", failure: "invoice recovery pass failed") {
            try await runOnce()
        }
    }

    /// One pass over the due rows; returns how many were settled.
    @discardableResult
    package func runOnce() async throws -> Int {
        let lease = leaseSeconds
        let rows = try await client.query(
            """
            UPDATE folio.pending_creations AS p
            SET due_at = now() + \(lease) * least(p.attempts + 1, 30) * interval '1 second', attempts = p.attempts + 1
            FROM (
                SELECT tenant_id, resource_id FROM folio.pending_creations
                WHERE due_at <= now()
                ORDER BY due_at LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
            ) AS due
            WHERE p.tenant_id = due.tenant_id AND p.resource_id = due.resource_id
            RETURNING p.tenant_id, p.resource_id, p.kind
            """,
            logger: logger
        )
        let due = try await rows.decode((UUID, UUID, String).self).collect().map { tenant, resource, kind in
            (TenantID(tenant), resource, try StoredValue.decode(PendingCreations.Kind.self, kind, column: "pending_creations.kind"))
        }
        var settled = 0
        for (tenant, id, kind) in due {
            do {
                let status: String
                switch kind {
                case .refund:
                    guard let refund = try await book.refund(tenant, id: id) else { continue }
                    status = try await book.finishRefund(tenant, refund).status.rawValue
                case .fulfilment:
                    guard let fulfilment = try await book.fulfilment(tenant, id: id) else { continue }
                    // An attempt still sending it keeps it: the row comes due again after the lease.
                    status = try await book.finishFulfilment(tenant, fulfilment, onlyIfIdle: true).status.rawValue
                case .invoice:
                    guard let invoice = try await book.invoice(tenant, id: id) else { continue }
                    status = try await book.finishCreation(tenant, invoice).status.rawValue
                case .taxInvoice:
                    guard let invoice = try await book.invoice(tenant, id: id) else { continue }
                    let finished = try await book.issueTaxInvoice(tenant, invoice)
                    status = finished.taxInvoiceID != nil ? "issued" : (finished.awaitsTaxInvoice ? "pending" : "not_due")
                case .edit:
                    // Sent again as it is (the update sets fields) and stored, or dropped.
                    status = try await book.finishEdit(tenant, editID: id) ? "settled" : "pending"
                }
                if status != "pending" { settled += 1 }
                logger.info("pending \(kind.rawValue) recovered", metadata: ["tenant.id": "\(tenant)", "resource.id": "\(id)", "status": "\(status)"])
            } catch {
                FailureReport.record(
                    error, "pending \(kind.rawValue) not recovered yet", operation: "\(kind.rawValue).recover", tenant: tenant,
                    extra: ["resource.id": "\(id)"], logger: logger
                )
            }
        }
        return settled
    }
}
