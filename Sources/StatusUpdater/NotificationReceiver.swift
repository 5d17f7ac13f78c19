import FolioDomain
import Foundation
import InvoicingService
import Logging
import Metrics
import PaymentsPort
import PostgresNIO
import TenantRegistry

/// Takes the provider's notifications (invoicebox-api.md §14): checks the signature, the shop,
/// the amount and the currency, confirms the claimed status by reading the order from the
/// provider, then moves the invoice (with its event) and records the notification, all in one
/// transaction. Whatever fails before that commit answers `retryLater`, so the provider
/// sends the notification again and nothing is lost.
///
/// The endpoint is anonymous, so what any caller can make Folio do is bounded: requests per
/// tenant and per source address (`Safeguards`), the body's size, what is stored of a body that
/// fails the signature or the shop check, the provider reads made to confirm claims, and the
/// audit rows written for the notification key.
package struct NotificationReceiver: Sendable {
    /// When the provider's own read of the order must confirm a notification before it changes
    /// anything. Without a notification key nothing else vouches for the body, so it is always read.
    package enum Confirmation: String, Sendable, CaseIterable {
        /// Every notification that would change an invoice.
        case always
        /// Only notifications whose signature was not checked.
        case unsigned
    }

    let tenants: TenantDirectory
    let setup: InvoicingSetup
    let provider: any PaymentProvider
    let confirmation: Confirmation
    let logger: Logger
    let tenantLimiter: RateLimiter
    let sourceLimiter: RateLimiter
    let orderReads: SharedOrderReads
    /// Admits one audit row per notification key record per `Safeguards.secretUseAuditInterval`.
    let keyUseAudits: RateLimiter
    /// Admits one audit row per token record per `Safeguards.secretUseAuditInterval`: the
    /// confirming reads' use of the shop's token.
    let tokenUseAudits: RateLimiter

    /// The largest body read: the provider's notifications are a few hundred bytes.
    package static let maximumBodySize = 64 << 10

    /// What keeps the anonymous endpoint from being used against Folio or the shops. The limits
    /// are kept in this process's memory, so each replica applies them on its own.
    package struct Safeguards: Sendable {
        /// Notifications accepted for one tenant.
        package var perTenant = RateLimit(requests: 60, window: .seconds(10))
        /// Failed notifications (a bad signature, another shop, not a notification, a body too
        /// large) one source address may send, whatever the tenant; once they are spent, its
        /// requests are refused before their body is read. Only failures count: the provider
        /// sends every shop's notifications from a few addresses, and those must never be slowed.
        package var perSource = RateLimit(requests: 60, window: .seconds(10))
        /// How long the provider's answer to a confirming read also answers later claims about the same order.
        package var confirmingReadReuse: Duration = .seconds(10)
        /// A verified use of a tenant's notification key, and a use of its token by a confirming
        /// read, are each written to the vault's audit trail about once in this interval.
        package var secretUseAuditInterval: Duration = .seconds(60)
        package var now: @Sendable () -> ContinuousClock.Instant = { .now }

        package init() {}
    }

    package init(
        tenants: TenantDirectory, setup: InvoicingSetup, provider: any PaymentProvider, confirmation: Confirmation,
        safeguards: Safeguards = Safeguards(), logger: Logger
    ) {
        self.tenants = tenants
        self.setup = setup
        self.provider = provider
        self.confirmation = confirmation
        self.logger = logger
        self.tenantLimiter = RateLimiter(limit: safeguards.perTenant, now: safeguards.now)
        self.sourceLimiter = RateLimiter(limit: safeguards.perSource, now: safeguards.now)
        self.orderReads = SharedOrderReads(reuseFor: safeguards.confirmingReadReuse, now: safeguards.now)
        self.keyUseAudits = RateLimiter(limit: RateLimit(requests: 1, window: safeguards.secretUseAuditInterval), now: safeguards.now)
        self.tokenUseAudits = RateLimiter(limit: RateLimit(requests: 1, window: safeguards.secretUseAuditInterval), now: safeguards.now)
    }

    static let actor = "notifications"
    /// Headers never stored: they could carry credentials.
    static let unstoredHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie"]

    /// Decides, before the body is read, whether a notification for `tenantID` from `source` is
    /// taken: `nil` when it is, or the answer to send. A refusal is `retryLater`, which the
    /// provider retries later, and is counted in `folio_notifications_rate_limited_total`.
    package func admit(tenantID: String, source: String?) -> NotificationAnswer? {
        let scope: String
        if !sourceLimiter.hasRoom(Self.sourceKey(source)) {
            scope = "source"
        } else if !tenantLimiter.admit(String(tenantID.lowercased().prefix(64))) {
            scope = "tenant"
        } else {
            return nil
        }
        Counter(label: "folio_notifications_rate_limited_total", dimensions: [("scope", scope)]).increment()
        let answer = NotificationAnswer.error(.retryLater, "too many notifications; retry later")
        Counter(label: "folio_notifications_total", dimensions: [("verdict", outcome(of: answer))]).increment()
        return answer
    }

    /// The provider's name for the answer's verdict: what is recorded and counted.
    func outcome(of answer: NotificationAnswer) -> String {
        provider.notificationOutcome(answer.verdict)
    }

    /// The answer as the provider expects it, for the HTTP 200 response.
    package func reply(to answer: NotificationAnswer) -> NotificationReply {
        provider.notificationReply(answer.verdict, message: answer.message)
    }

    /// The key a source address is limited by: an IPv6 address by its /64, the smallest block one
    /// holder is given, so that rotating through it buys no more requests.
    package static func sourceKey(_ source: String?) -> String {
        guard let source else { return "unknown" }
        guard source.contains(":") else { return source }
        // An IPv4 address mapped into IPv6 (`::ffff:192.0.2.1`) is that IPv4 address.
        if let last = source.split(separator: ":").last, last.contains(".") { return String(last) }
        var groups = source.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if let gap = groups.firstIndex(of: ""), groups.filter(\.isEmpty).count < groups.count {
            // Expands `::` so that equal prefixes compare equal however they were written.
            let present = groups.filter { !$0.isEmpty }
            groups =
                Array(groups[..<gap].filter { !$0.isEmpty }) + Array(repeating: "0", count: max(0, 8 - present.count))
                + Array(groups[(gap + 1)...].filter { !$0.isEmpty })
        }
        return groups.prefix(4).map { $0.lowercased() }.joined(separator: ":") + "::/64"
    }

    /// Counts a failed notification against its source's allowance.
    func chargeFailure(from source: String?) {
        _ = sourceLimiter.admit(Self.sourceKey(source))
    }

    /// The answer to a body larger than `maximumBodySize`, or one that could not be read: it is
    /// not stored, and no notification of the provider is that large.
    package func refuseUnreadableBody(source: String?) -> NotificationAnswer {
        chargeFailure(from: source)
        let answer = NotificationAnswer.error(.unknownOrder, "the body could not be read or is larger than \(Self.maximumBodySize / 1024) KiB")
        Counter(label: "folio_notifications_total", dimensions: [("verdict", outcome(of: answer))]).increment()
        return answer
    }

    /// Handles one notification posted for `tenantID` and returns the answer to send.
    ///
    /// - Parameter source: the address the request came from, recorded with the notification.
    package func receive(tenantID: String, body: Data, headers: [(name: String, value: String)], source: String? = nil) async -> NotificationAnswer {
        guard let uuid = UUID(uuidString: tenantID) else {
            chargeFailure(from: source)
            return .error(.unknownOrder, "unknown shop")
        }
        let tenant = TenantID(uuid)
        var record = NotificationRecord(
            body: body, headers: headers.filter { !Self.unstoredHeaders.contains($0.name.lowercased()) }, sourceAddress: source
        )
        let answer: NotificationAnswer
        do {
            answer = try await process(tenant: tenant, body: body, headers: headers, record: &record)
        } catch RegistryError.tenantNotFound {
            // Charged already: an unknown tenant has no active invoicing either.
            answer = .error(.unknownOrder, "unknown shop")
        } catch {
            FailureReport.record(
                error, "notification not processed; the provider will send it again", operation: "notification.receive", tenant: tenant,
                extra: ["order.id": "\(record.providerOrderID ?? "")"], logger: logger
            )
            answer = .error(.retryLater, "temporary failure, please retry")
        }
        Counter(label: "folio_notifications_total", dimensions: [("verdict", outcome(of: answer))]).increment()
        return answer
    }

    private func process(tenant: TenantID, body: Data, headers: [(name: String, value: String)], record: inout NotificationRecord) async throws
        -> NotificationAnswer
    {
        guard let settings = try await setup.notificationSettings(of: tenant) else {
            chargeFailure(from: record.sourceAddress)
            // Recording it in the tenant's schema throws `tenantNotFound` for a tenant that does
            // not exist, which answers `unknownOrder`.
            // Retried: a payment on an open invoice is recorded if invoicing is enabled again
            // (and the reconciliation job reads it then in any case).
            return try await finish(.error(.retryLater, "invoicing is not active for this shop"), tenant: tenant, record: record, makingSchema: false)
        }
        // 1. The signature, over the bytes exactly as received.
        if !settings.keys.isEmpty {
            let (check, usedKey) = verifySignature(of: body, headers: headers, keys: settings.keys)
            record.signature = NotificationRecord.SignatureCheck(check)
            switch record.signature {
            case .valid:
                // Audited in aggregate: a captured signed body replayed many times adds one row
                // per interval, not one per request.
                if let usedKey {
                    try await Self.audit("\(tenant) \(usedKey.isPrevious) \(usedKey.keyID)", in: keyUseAudits) {
                        try await setup.recordNotificationKeyUse(of: tenant, key: usedKey, actor: Self.actor)
                    }
                }
            case .missing:
                // As the provider's own sample answers it (invoicebox-api.md §14.7): retried.
                chargeFailure(from: record.sourceAddress)
                return try await finish(.error(.retryLater, "X-Signature is missing"), tenant: tenant, record: record)
            default:
                chargeFailure(from: record.sourceAddress)
                return try await finish(.error(.badSignature, "X-Signature does not match the body"), tenant: tenant, record: record)
            }
        }
        guard let notification = provider.notification(from: body) else {
            chargeFailure(from: record.sourceAddress)
            return try await finish(.error(.unknownOrder, "the body is not an OrderNotification"), tenant: tenant, record: record)
        }
        record.providerOrderID = notification.orderID
        record.claimedStatus = notification.status.rawValue
        // 2. The shop.
        guard notification.merchantID.lowercased() == settings.merchantID.lowercased() else {
            chargeFailure(from: record.sourceAddress)
            return try await finish(.error(.unknownOrder, "merchantId is not this shop's"), tenant: tenant, record: record)
        }
        // Past the signature and the shop check, a signed notification is kept as received; an
        // unsigned one (a shop without a key) only once the provider confirms it, since anyone
        // who knows the merchant id could write it.
        record.keepsContent = record.signature == .valid
        // The monitoring test checks the signature and the shop, and touches no invoice.
        if notification.isMonitoringTest {
            return try await finish(.success, tenant: tenant, record: record)
        }
        let (earlier, found) = try await lookUp(notification, digest: record.bodyDigest, tenant: tenant)
        if let earlier {
            record.replayOf = earlier
            return try await finish(.success, tenant: tenant, record: record)
        }
        guard let invoice = found else {
            return try await finish(.error(.unknownOrder, "no invoice for this order"), tenant: tenant, record: record)
        }
        record.invoiceID = invoice.id
        return try await judge(notification, invoice: invoice, tenant: tenant, shop: settings.shop, signed: record.signature == .valid, record: &record)
    }

    /// Checks the signature with the current key, then with the previous one while its grace
    /// period runs; returns the key that verified it, if one did.
    private func verifySignature(of body: Data, headers: [(name: String, value: String)], keys: [OpenedNotificationKey]) -> (
        NotificationSignatureCheck, OpenedNotificationKey?
    ) {
        var check = NotificationSignatureCheck.invalid
        for key in keys {
            check = provider.verifySignature(of: body, headers: headers, key: key.key)
            if check == .valid { return (.valid, key) }
            if check == .missing { break }
        }
        return (check, nil)
    }

    /// Writes an audit row through `write` unless `audits` had one written for the same `record`
    /// (a tenant's secret under one KEK: what a row names) within its window. The window is spent
    /// only once the row is written, so a write that fails leaves the next use to write it; uses
    /// that arrive together may each write one.
    static func audit(_ record: String, in audits: RateLimiter, _ write: () async throws -> Void) async throws {
        guard audits.hasRoom(record) else { return }
        try await write()
        _ = audits.admit(record)
    }

    /// Rules 3 to 5 of §14.4, the confirming read, and the change.
    ///
    /// - Parameter shop: the shop as the notification's settings read it, its token sealed.
    private func judge(
        _ notification: ProviderNotification, invoice: Invoice, tenant: TenantID, shop: SealedShop?, signed: Bool, record: inout NotificationRecord
    ) async throws -> NotificationAnswer {
        guard let providerOrderID = invoice.providerOrderID else {
            if invoice.status == .pending {
                // The notification overtook the commit that records the order: the retry will find it.
                return try await finish(.error(.retryLater, "the invoice is still being created"), tenant: tenant, record: record)
            }
            return try await finish(.error(.unknownOrder, "the invoice has no order at the provider"), tenant: tenant, record: record)
        }
        let claimed = InvoiceBook.status(of: notification.status)
        guard providerOrderID == notification.orderID else {
            if invoice.status.isPaid, claimed == .paid {
                return try await finish(.error(.alreadyPaid, "the invoice was paid by another order"), tenant: tenant, record: record)
            }
            return try await finish(.error(.unknownOrder, "the invoice belongs to another order"), tenant: tenant, record: record)
        }
        if let mismatch = Self.amountMismatch(notification.amount, notification.currency, invoice: invoice) {
            if try await awaitsPendingEdit(notification.amount, of: invoice, tenant: tenant) {
                return try await finish(.error(.retryLater, "the invoice's edit to this amount is still being stored"), tenant: tenant, record: record)
            }
            return try await finish(.error(.wrongAmount, mismatch), tenant: tenant, record: record)
        }
        guard let claimed else {
            if notification.status == .draft {
                return try await finish(.success, tenant: tenant, record: record)
            }
            return try await finish(.error(.wrongStatus, "unsupported status"), tenant: tenant, record: record)
        }
        // A claim the invoice is already at or beyond changes nothing: a late `created` never reopens it.
        guard let next = InvoiceBook.next(for: notification.status, from: invoice.status) else {
            return try await finish(.success, tenant: tenant, record: record)
        }
        var order = ProviderOrder.claimed(by: notification, invoice: invoice)
        // A paid invoice is never taken back on a notification's word alone, signed or not: the
        // provider's own read of the order must say it was canceled.
        if confirmation == .always || !signed || next == .reversed {
            // A read that fails throws: retry later, and the provider does.
            let read = try await orderReads.order(.init(tenant: tenant, orderID: providerOrderID)) { [setup, provider, tokenUseAudits] in
                guard let shop else { throw InvoicingError.notActive }
                // Audited in aggregate like the notification key: anonymous requests trigger
                // these reads, and a row per read would let them grow the trail without bound.
                try await Self.audit(shop.tokenRecord, in: tokenUseAudits) {
                    try await setup.recordTokenUse(of: shop, actor: Self.actor)
                }
                return try await provider.order(id: providerOrderID, shop: try setup.openShop(shop))
            }
            guard let read else {
                return try await finish(.error(.unknownOrder, "the provider does not know this order"), tenant: tenant, record: record)
            }
            if let mismatch = Self.amountMismatch(read.amount, read.currency, invoice: invoice) {
                if try await awaitsPendingEdit(read.amount, of: invoice, tenant: tenant) {
                    return try await finish(
                        .error(.retryLater, "the invoice's edit to this amount is still being stored"), tenant: tenant, record: record)
                }
                return try await finish(.error(.wrongAmount, "the provider's order: " + mismatch), tenant: tenant, record: record)
            }
            guard InvoiceBook.status(of: read.status) == claimed else {
                record.confirmed = false
                // Nothing changes on an unconfirmed claim; the provider's retry, or the
                // reconciliation job, brings what the provider then says.
                return try await finish(
                    .error(.retryLater, "the provider reports the order \(read.status.rawValue), not \(notification.status.rawValue)"),
                    tenant: tenant, record: record
                )
            }
            record.confirmed = true
            record.keepsContent = true
            order = read
        }
        let answer = NotificationAnswer.success
        let accepted = record
        // The change and the notification that caused it commit together, the record in the
        // statement of the change's update: the change ends with its event, which keeps the
        // tenant's event counter locked until the commit.
        let recording = try accepted.insertion(verdict: answer, named: outcome(of: answer))
        try await tenants.withTenant(tenant) { connection in
            _ = try await InvoiceBook.apply(order, to: invoice.id, tenant: tenant, alongside: recording, on: connection, logger: logger)
        }
        return answer
    }

    /// Records the notification with its verdict and returns the answer.
    ///
    /// - Parameter makingSchema: false for a tenant whose invoicing is not active: if it never
    ///   wrote, it has no schema and no invoice a notification could be about, and its
    ///   notification is then only logged, so that requests from anywhere cannot make a schema
    ///   for every tenant they can name.
    private func finish(
        _ answer: NotificationAnswer, tenant: TenantID, record: NotificationRecord, makingSchema: Bool = true
    ) async throws -> NotificationAnswer {
        let insert: (PostgresConnection) async throws -> Void = { connection in
            try await record.insert(verdict: answer, named: outcome(of: answer), on: connection, logger: logger)
        }
        let recorded: Void? = makingSchema ? try await tenants.withTenant(tenant, insert) : try await tenants.withTenantIfItHasSchema(tenant, insert)
        if answer.verdict != .accepted {
            logger.notice(
                "notification refused",
                metadata: [
                    "tenant.id": "\(tenant)", "code": "\(outcome(of: answer))", "order.id": "\(record.providerOrderID ?? "")",
                    "recorded": "\(recorded != nil)",
                ]
            )
        }
        return answer
    }

    /// The notification accepted earlier with the same bytes, if any, else the invoice the order
    /// belongs to: one statement, outside a transaction.
    private func lookUp(_ notification: ProviderNotification, digest: Data, tenant: TenantID) async throws -> (replayOf: UUID?, invoice: Invoice?) {
        let (invoice, acceptedBefore) = try await InvoiceBook.invoiceAndAcceptedNotification(
            tenant, merchantOrderID: notification.merchantOrderID, providerOrderID: notification.orderID, bodyDigest: digest, in: tenants
        )
        if let acceptedBefore { return (acceptedBefore, nil) }
        return (nil, invoice)
    }

    /// Whether `amount` is that of the invoice's pending edit: the provider may hold (and the
    /// guest may have paid) the edited order before Folio stores the edit. The provider's retry
    /// comes after the edit is stored or dropped, and is judged then.
    private func awaitsPendingEdit(_ amount: MinorUnits?, of invoice: Invoice, tenant: TenantID) async throws -> Bool {
        guard let amount else { return false }
        return try await InvoiceBook.pendingEditAmount(tenant, invoiceID: invoice.id, in: tenants) == amount.value
    }

    /// Why `amount` and `currency` do not match the invoice, or `nil` when they do. A missing
    /// amount is not a match: the provider always sends one.
    static func amountMismatch(_ amount: MinorUnits?, _ currency: String?, invoice: Invoice) -> String? {
        let expected = "\(MinorUnits(invoice.amount).decimalString) \(invoice.currency.rawValue)"
        let got = "\(amount.map(\.decimalString) ?? "no amount") \(currency ?? "no currency")"
        guard amount?.value == invoice.amount, currency?.uppercased() == invoice.currency.rawValue else {
            return "Expected \(expected), got \(got)"
        }
        return nil
    }
}

extension ProviderOrder {
    /// The order as a notification whose signature Folio trusts describes it.
    static func claimed(by notification: ProviderNotification, invoice: Invoice) -> ProviderOrder {
        ProviderOrder(
            id: notification.orderID, merchantID: notification.merchantID, merchantOrderID: notification.merchantOrderID,
            status: notification.status, amount: notification.amount ?? MinorUnits(invoice.amount), vatAmount: nil,
            currency: notification.currency ?? invoice.currency.rawValue, createdAt: invoice.createdAt, paidAt: nil,
            expirationDate: invoice.expiresAt, paymentURL: invoice.paymentURL, orderContainerID: nil
        )
    }
}
