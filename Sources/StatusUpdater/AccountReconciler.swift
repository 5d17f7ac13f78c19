import FolioDomain
import Foundation
import InvoicingService
import Logging
import PaymentsPort
import PostgresNIO
import ServiceLifecycle
import TenantRegistry

/// Reads the changes of every active tenant's ledger account (Fakturownia) in the provider's
/// most-recently-changed order, so that what a lost webhook would have said still reaches Folio:
/// the provider documents no delivery retries (fakturownia-api.md §9, §13). A document an invoice
/// holds moves it forward; one no invoice holds, made in the provider's application, is imported.
///
/// Each account is read every `interval`. A reading stops at the first page whose documents all
/// changed before the account's watermark (`folio.tenant_invoicing.account_synced_through`, less
/// `overlap` for changes the provider commits out of order), at a short page, or after `pageCap`
/// pages (the cap the reference's third-party client keeps, §10). The watermark moves to the
/// newest change seen only when the whole reading succeeded, so a failed one is read again.
///
/// Accounts are leased like the other jobs' rows: a due account's `account_sync_due_at` is pushed
/// `leaseSeconds` ahead under `FOR NO KEY UPDATE SKIP LOCKED` (which leaves the invoice creations'
/// `FOR KEY SHARE` on the same row alone), and the lease is renewed before every page and checked
/// to be still this reading's, so two replicas never read one account at once.
package struct AccountReconciler: Service {
    let client: PostgresClient
    let book: InvoiceBook
    /// The providers whose shops are accounts with documents of their own.
    let accountProviders: Set<ProviderName>
    let logger: Logger
    let interval: Duration
    let pageSize: Int
    let pageCap: Int
    let overlap: Duration
    let leaseSeconds: Int
    let batchSize: Int
    /// The clock its pauses are measured on; a test steps it by hand.
    let clock: any Clock<Duration>

    package init(
        client: PostgresClient, book: InvoiceBook, accountProviders: Set<ProviderName>, logger: Logger, interval: Duration = .seconds(300),
        pageSize: Int = 100, pageCap: Int = 20, overlap: Duration = .seconds(60), leaseSeconds: Int = 600, batchSize: Int = 20,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.client = client
        self.book = book
        self.accountProviders = accountProviders
        self.logger = logger
        self.interval = interval
        self.pageSize = min(max(pageSize, 1), 100)
        self.pageCap = max(pageCap, 1)
        self.overlap = overlap
        self.leaseSeconds = leaseSeconds
        self.batchSize = batchSize
        self.clock = clock
    }

    package func run() async throws {
        // Accounts fall due one by one; a look every half minute (or every interval, if shorter)
        // finds them without waiting a whole interval after the last.
        let pause = min(interval, .seconds(30))
        await runPasses(
            pausing: pause, onlyWhenIdle: true, clock: clock, logger: logger, operation: "account_reconciliation.pass",
            failure: "account reconciliation pass failed"
        ) {
            try await runOnce()
        }
    }

    /// What one account's reading did.
    package struct Reading: Sendable, Equatable {
        package var pages = 0
        package var applied = 0
        package var imported = 0
        package var skipped = 0
    }

    /// One pass over the accounts due now; returns how many were read to the end.
    @discardableResult
    package func runOnce() async throws -> Int {
        guard !accountProviders.isEmpty else { return 0 }
        var read = 0
        for lease in try await leaseDue() {
            do {
                if try await reconcile(lease) != nil { read += 1 }
            } catch {
                // The lease is the wait before the next try.
                FailureReport.record(
                    error, "account changes not read yet", operation: "account.reconcile", tenant: lease.tenant, level: .notice, logger: logger)
            }
        }
        return read
    }

    struct Lease {
        var tenant: TenantID
        var syncedThrough: Date?
        /// The leased due time in microseconds, which only this reading's renewals match.
        var token: Int64
    }

    /// Reads one account's changes down to its watermark and moves the watermark; nil when the
    /// lease was lost to another replica on the way (nothing is recorded then).
    func reconcile(_ lease: Lease) async throws -> Reading? {
        var lease = lease
        let shop = try await book.accountShop(of: lease.tenant)
        let cutoff = lease.syncedThrough.map { $0.addingTimeInterval(-overlap.fractionalSeconds) }
        var reading = Reading()
        var newest = lease.syncedThrough
        for page in 1...pageCap {
            guard let renewed = try await renew(lease) else {
                logger.notice(
                    "account reading stopped: its lease was taken by another replica or invoicing was disabled",
                    metadata: ["tenant.id": "\(lease.tenant)"])
                return nil
            }
            lease.token = renewed
            let documents = try await book.documents(page: page, pageSize: pageSize, shop: shop)
            reading.pages += 1
            var changedSinceCutoff = false
            for order in documents.items {
                if let updatedAt = order.updatedAt {
                    newest = max(newest ?? updatedAt, updatedAt)
                    if let cutoff, updatedAt < cutoff { continue }
                }
                changedSinceCutoff = true
                // One document that cannot be taken now must not hold up the others behind it.
                do {
                    switch try await book.takeDocument(order, tenant: lease.tenant, provider: shop.provider) {
                    case .applied: reading.applied += 1
                    case .imported: reading.imported += 1
                    case .skipped: reading.skipped += 1
                    }
                } catch {
                    reading.skipped += 1
                    FailureReport.record(
                        error, "an account document was not taken; the next change to it, or sync, takes it", operation: "account.reconcile",
                        tenant: lease.tenant, extra: ["provider.document_id": "\(order.id)"], logger: logger)
                }
            }
            if documents.items.count < pageSize || !changedSinceCutoff { break }
            if page == pageCap {
                logger.notice(
                    "account reading stopped at the page cap; older changes are left", metadata: ["tenant.id": "\(lease.tenant)", "pages": "\(page)"])
            }
        }
        try await finish(lease, merchantID: shop.merchantID, syncedThrough: newest)
        logger.debug(
            "account changes read",
            metadata: [
                "tenant.id": "\(lease.tenant)", "pages": "\(reading.pages)", "applied": "\(reading.applied)", "imported": "\(reading.imported)",
                "skipped": "\(reading.skipped)",
            ])
        return reading
    }

    /// Leases the active accounts due now, oldest due first.
    private func leaseDue() async throws -> [Lease] {
        let providers = accountProviders.map(\.rawValue).sorted()
        let rows = try await client.query(
            """
            UPDATE folio.tenant_invoicing AS t SET account_sync_due_at = now() + \(leaseSeconds) * interval '1 second'
            FROM (
                SELECT tenant_id FROM folio.tenant_invoicing
                WHERE state = 'active' AND provider = ANY(\(providers)) AND (account_sync_due_at IS NULL OR account_sync_due_at <= now())
                ORDER BY account_sync_due_at NULLS FIRST LIMIT \(batchSize)
                FOR NO KEY UPDATE SKIP LOCKED
            ) AS due
            WHERE t.tenant_id = due.tenant_id
            RETURNING t.tenant_id, t.account_synced_through, (extract(epoch FROM t.account_sync_due_at) * 1000000)::bigint
            """,
            logger: logger
        )
        return try await rows.decode((UUID, Date?, Int64).self).collect().map { tenant, syncedThrough, token in
            Lease(tenant: TenantID(tenant), syncedThrough: syncedThrough, token: token)
        }
    }

    /// Pushes the lease ahead again if it is still this reading's; returns its new token.
    private func renew(_ lease: Lease) async throws -> Int64? {
        let rows = try await client.query(
            """
            UPDATE folio.tenant_invoicing SET account_sync_due_at = now() + \(leaseSeconds) * interval '1 second'
            WHERE tenant_id = \(lease.tenant.rawValue) AND state = 'active'
              AND (extract(epoch FROM account_sync_due_at) * 1000000)::bigint = \(lease.token)
            RETURNING (extract(epoch FROM account_sync_due_at) * 1000000)::bigint
            """,
            logger: logger
        )
        return try await rows.decode(Int64.self).collect().first
    }

    /// Records the watermark and the next reading's due time, for the account the reading read
    /// (a tenant that switched accounts meanwhile starts its new one from the beginning).
    private func finish(_ lease: Lease, merchantID: String, syncedThrough: Date?) async throws {
        let seconds = interval.fractionalSeconds
        try await client.query(
            """
            UPDATE folio.tenant_invoicing
            SET account_synced_through = greatest(account_synced_through, \(syncedThrough)),
                account_sync_due_at = now() + \(seconds) * interval '1 second'
            WHERE tenant_id = \(lease.tenant.rawValue) AND merchant_id = \(merchantID)
              AND (extract(epoch FROM account_sync_due_at) * 1000000)::bigint = \(lease.token)
            """,
            logger: logger
        )
    }
}
