import Crypto
import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxAdapter
import InvoiceboxSandbox
import NIOCore
import PaymentsPort
import PostgresNIO
import StatusUpdater
import Synchronization
import Testing

/// What an anonymous caller can make the notification endpoint do, and what it costs.
@Suite(.serialized) struct NotificationAbuseTests {
    @Test func aBodyOverTheCapIsAnsweredInTheProvidersFormatAndNotStored() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("oversized")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            // A genuine, correctly signed notification, padded past the cap with whitespace JSON allows.
            var body = try await api.notificationBody(invoice)
            body.append(Data(repeating: 0x20, count: NotificationReceiver.maximumBodySize))
            let answer = try await api.notify(tenant, body: body, signature: sign(body, key: key))
            #expect(answer["status"] as? String == "error")
            #expect(answer["code"] as? String == "order_not_found")
            #expect(try await api.notificationRowCount(tenant) == 0)
            #expect(try await api.invoiceStatus(invoice) == "open")
        }
    }

    @Test func bodiesThatFailTheSignatureOrTheShopCheckAreKeptAsABoundedRecord() async throws {
        try await TestAPI.run { api in
            let (signed, signedShop, _) = try await api.signedTenant("bounded-signed")
            let (unsigned, _) = try await api.activeTenant("bounded-unsigned")
            let inactive = try await api.createTenant("bounded-inactive")
            let invoice = try await api.openInvoice(signed, merchantID: signedShop)
            let body = try await api.notificationBody(invoice)
            let padded = body + Data(repeating: 0x20, count: 30_000)

            #expect(try await api.notify(signed, body: padded, signature: sign(padded, key: "not-the-key"))["code"] as? String == "signature_error")
            #expect(try await api.notify(signed, body: padded, signature: nil)["code"] as? String == "out_of_service")
            // The unsigned tenant's shop is another one.
            #expect(try await api.notify(unsigned, body: padded, signature: nil)["code"] as? String == "order_not_found")
            #expect(try await api.notify(unsigned, body: Data(repeating: 0x7B, count: 40_000), signature: nil)["code"] as? String == "order_not_found")
            #expect(try await api.notify(inactive, body: padded, signature: nil)["code"] as? String == "out_of_service")

            // The inactive tenant never wrote: its refusal is logged, and no schema is made for it.
            let inactiveSchema = TenantID(string: inactive)!.schemaName
            #expect(try await api.database.schemaExists(inactiveSchema) == false)
            for tenant in [signed, unsigned] {
                let rows = try await api.database.query(
                    """
                    SELECT body IS NULL, headers IS NULL, body_size, body_sha256, verdict
                    FROM \(unescaped: TestAPI.schema(of: tenant)).notifications ORDER BY received_at, id
                    """,
                    logger: TestDatabase.logger
                )
                var count = 0
                for try await (noBody, noHeaders, size, digest, verdict) in rows.decode((Bool, Bool, Int32?, Data, String).self) {
                    count += 1
                    #expect(noBody, "\(verdict)")
                    #expect(noHeaders, "\(verdict)")
                    #expect(size == 30_000 + Int32(body.count) || size == 40_000)
                    #expect(digest.count == 32)
                }
                #expect(count == 2)
            }
            #expect(
                try await api.database.scalar(
                    "SELECT body_sha256 FROM \(unescaped: TestAPI.schema(of: signed)).notifications LIMIT 1", as: Data.self
                ) == Data(SHA256.hash(data: padded)))
        }
    }

    @Test func aNotificationRecordsTheAddressItCameFrom() async throws {
        try await TestAPI.run(listening: true) { api in
            let (tenant, merchantID) = try await api.activeTenant("addressed")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            // The sandbox posts the notification to Folio's real port.
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            try await eventually("the invoice was not paid") { try await api.invoiceStatus(invoice) == "paid" }
            let source = try await api.database.scalar(
                "SELECT source_address FROM \(unescaped: TestAPI.schema(of: tenant)).notifications WHERE verdict = 'success' LIMIT 1",
                as: String.self
            )
            #expect(source == "127.0.0.1")
        }
    }

    @Test func notificationsOverTheRateLimitsAreAnsweredOutOfServiceAndCounted() async throws {
        let clock = ManualClock()
        var safeguards = NotificationReceiver.Safeguards()
        safeguards.perTenant = RateLimit(requests: 3, window: .seconds(60))
        safeguards.perSource = RateLimit(requests: 4, window: .seconds(60))
        safeguards.now = { clock.now() }
        try await TestAPI.run(notificationSafeguards: safeguards) { api in
            let (first, _) = try await api.activeTenant("limited-first")
            let (second, _) = try await api.activeTenant("limited-second")
            let body = Data("{}".utf8)
            for _ in 0..<3 {
                #expect(try await api.notify(first, body: body, signature: nil)["code"] as? String == "order_not_found")
            }
            let overTenant = try await api.notify(first, body: body, signature: nil)
            #expect(overTenant["status"] as? String == "error")
            #expect(overTenant["code"] as? String == "out_of_service", "the provider retries it later")
            // Every request of this test comes from one address, and its three failures so far
            // count against it (the refusal does not): the fourth spends it, whatever the tenant.
            #expect(try await api.notify(second, body: body, signature: nil)["code"] as? String == "order_not_found")
            #expect(try await api.notify(second, body: body, signature: nil)["code"] as? String == "out_of_service")
            // A refused request is not stored.
            #expect(try await api.notificationRowCount(first) == 3)
            #expect(try await api.notificationRowCount(second) == 1)
            let metrics = String(buffer: try await api.send(.get, "/metrics", key: .some(nil)).body)
            #expect(metrics.contains(#"folio_notifications_rate_limited_total{scope="tenant"}"#))
            #expect(metrics.contains(#"folio_notifications_rate_limited_total{scope="source"}"#))

            clock.advance(by: .seconds(60))
            #expect(try await api.notify(first, body: body, signature: nil)["code"] as? String == "order_not_found")
        }
    }

    @Test func aBucketRefillsEvenlyOverItsWindow() {
        let clock = TestClock()
        let limiter = RateLimiter(limit: RateLimit(requests: 2, window: .seconds(10)), pruneAbove: 1, clock: clock)
        #expect(limiter.admit("a") && limiter.admit("a"))
        #expect(!limiter.admit("a"))
        #expect(limiter.admit("b"), "each key has its own bucket")
        clock.advance(by: .seconds(5))
        #expect(limiter.admit("a"))
        #expect(!limiter.admit("a"))
        // Forgetting full buckets never forgets an empty one.
        clock.advance(by: .seconds(10))
        #expect(limiter.admit("c") && limiter.admit("c") && !limiter.admit("c"))
        #expect(limiter.admit("d") && limiter.admit("d") && !limiter.admit("c"))
    }

    @Test func concurrentAndRepeatedClaimsShareOneConfirmingRead() async throws {
        let clock = ManualClock()
        var safeguards = TestAPI.unlimitedNotifications
        safeguards.confirmingReadReuse = .seconds(10)
        safeguards.now = { clock.now() }
        let counter = CountingProvider.Counter()
        let counting: @Sendable (any PaymentProvider) -> any PaymentProvider = { CountingProvider(wrapping: $0, counter: counter) }
        try await TestAPI.run(notificationSafeguards: safeguards, notificationProvider: counting) { api in
            let (tenant, merchantID) = try await api.activeTenant("shared-read")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            // Not paid at the provider; unsigned claims say it was.
            let forged = try editedBody(try await api.notificationBody(invoice)) { $0["status"] = "completed" }
            let answers = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await api.notify(tenant, body: forged, signature: nil)["code"] as? String }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers == Array(repeating: "out_of_service", count: 8))
            for _ in 0..<3 {
                #expect(try await api.notify(tenant, body: forged, signature: nil)["code"] as? String == "out_of_service")
            }
            #expect(counter.orderReads(invoice.orderID) == 1)
            #expect(try await api.invoiceStatus(invoice) == "open")
            // The shop has no key, and the provider did not confirm: no forged body is kept whole.
            #expect(try await api.notificationRowCount(tenant) == 11)
            #expect(try await api.wholeNotificationCount(tenant) == 0)

            // After the window the order is read again, and a payment made meanwhile is seen.
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            clock.advance(by: .seconds(10))
            #expect(try await api.notify(tenant, body: forged, signature: nil)["status"] as? String == "success")
            #expect(counter.orderReads(invoice.orderID) == 2)
            #expect(try await api.invoiceStatus(invoice) == "paid")
        }
    }

    @Test func confirmingReadsAuditTheTokenBeforeItsFirstUseThenOncePerInterval() async throws {
        let clock = ManualClock()
        var safeguards = TestAPI.unlimitedNotifications
        safeguards.now = { clock.now() }
        let counter = CountingProvider.Counter()
        let counting: @Sendable (any PaymentProvider) -> any PaymentProvider = { CountingProvider(wrapping: $0, counter: counter) }
        try await TestAPI.run(notificationSafeguards: safeguards, notificationProvider: counting) { api in
            let (tenant, merchantID) = try await api.activeTenant("token-audit")
            let tenantID = UUID(uuidString: tenant)!
            let tokenReads: () async throws -> Int64? = {
                try await api.database.scalar(
                    """
                    SELECT count(*) FROM folio.vault_audit
                    WHERE tenant_id = \(tenantID) AND purpose = 'invoicebox.api_token' AND action = 'read' AND actor = 'notifications'
                    """
                )
            }
            var invoices: [OpenInvoice] = []
            for index in 0..<4 {
                let invoice = try await api.openInvoice(tenant, merchantID: merchantID, reservationID: "TA-\(index)")
                try await api.sandbox.state.pay(orderID: invoice.orderID)
                invoices.append(invoice)
            }

            // While the audit row cannot be written, the token is not used, and the next claim writes it.
            try await api.database.query(
                """
                CREATE FUNCTION refuse_notification_audit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.actor = 'notifications' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$
                """,
                logger: TestDatabase.logger
            )
            try await api.database.query(
                "CREATE TRIGGER refuse_notification_audit BEFORE INSERT ON folio.vault_audit FOR EACH ROW EXECUTE FUNCTION refuse_notification_audit()",
                logger: TestDatabase.logger
            )
            #expect(try await api.notify(tenant, body: try await api.notificationBody(invoices[0]), signature: nil)["code"] as? String == "out_of_service")
            #expect(counter.orderReads(invoices[0].orderID) == 0)
            #expect(try await api.invoiceStatus(invoices[0]) == "open")
            try await api.database.query("DROP TRIGGER refuse_notification_audit ON folio.vault_audit", logger: TestDatabase.logger)

            // Anonymous claims trigger these reads: one row stands for the reads of an interval.
            for invoice in invoices.prefix(3) {
                #expect(try await api.notify(tenant, body: try await api.notificationBody(invoice), signature: nil)["status"] as? String == "success")
                #expect(counter.orderReads(invoice.orderID) == 1)
                #expect(try await api.invoiceStatus(invoice) == "paid")
            }
            #expect(try await tokenReads() == 1)
            clock.advance(by: .seconds(60))
            #expect(try await api.notify(tenant, body: try await api.notificationBody(invoices[3]), signature: nil)["status"] as? String == "success")
            #expect(try await tokenReads() == 2)
        }
    }

    @Test func badSignaturesWriteNoVaultAuditRows() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("audited")
            let auditRows: () async throws -> Int64? = {
                try await api.database.scalar("SELECT count(*) FROM folio.vault_audit WHERE tenant_id = \(UUID(uuidString: tenant)!)")
            }
            let before = try await auditRows()
            let test = Data(
                #"{"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","status":"completed","merchantId":"\#(merchantID)","merchantOrderId":"","amount":1,"currencyId":"RUB"}"#
                    .utf8
            )
            for attempt in 0..<10 {
                let signature: String? = attempt % 2 == 0 ? nil : sign(test, key: "guessed-\(attempt)")
                #expect(try await api.notify(tenant, body: test, signature: signature)["status"] as? String == "error")
            }
            #expect(try await auditRows() == before)
            // A verified use is audited, in aggregate: once for several notifications.
            for _ in 0..<3 {
                #expect(try await api.notify(tenant, body: test, signature: sign(test, key: key))["status"] as? String == "success")
            }
            #expect(try await auditRows() == (before ?? 0) + 1)
            let actions = try await api.database.scalar(
                "SELECT string_agg(DISTINCT action, ',') FROM folio.vault_audit WHERE tenant_id = \(UUID(uuidString: tenant)!) AND actor = 'notifications'",
                as: String.self
            )
            #expect(actions == "read")
        }
    }
}

extension TestAPI {
    /// How many notifications of the tenant were recorded, whole or bounded.
    func notificationRowCount(_ tenant: String) async throws -> Int64? {
        try await database.scalar("SELECT count(*) FROM \(unescaped: Self.schema(of: tenant)).notifications")
    }

    /// How many notifications of the tenant were recorded with their body.
    func wholeNotificationCount(_ tenant: String) async throws -> Int64? {
        try await database.scalar("SELECT count(*) FROM \(unescaped: Self.schema(of: tenant)).notifications WHERE body IS NOT NULL")
    }
}

/// A clock that moves only when told to.
final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)

    func now() -> ContinuousClock.Instant {
        start + offset.withLock { $0 }
    }

    func advance(by duration: Duration) {
        offset.withLock { $0 += duration }
    }
}

/// The provider, counting the order reads made through it.
struct CountingProvider: PaymentProvider {
    final class Counter: Sendable {
        private let reads = Mutex<[String: Int]>([:])

        func recordRead(_ orderID: String) {
            reads.withLock { $0[orderID, default: 0] += 1 }
        }

        func orderReads(_ orderID: String) -> Int {
            reads.withLock { $0[orderID, default: 0] }
        }
    }

    let wrapped: any PaymentProvider
    let counter: Counter

    init(wrapping provider: any PaymentProvider, counter: Counter) {
        self.wrapped = provider
        self.counter = counter
    }

    func order(id: String, shop: ShopCredentials) async throws -> ProviderOrder? {
        counter.recordRead(id)
        return try await wrapped.order(id: id, shop: shop)
    }

    var name: ProviderName { wrapped.name }
    var capabilities: ProviderCapabilities { wrapped.capabilities }
    func capabilities(of provider: ProviderName) -> ProviderCapabilities { wrapped.capabilities(of: provider) }
    func orderRules(for provider: ProviderName) -> any OrderRules { wrapped.orderRules(for: provider) }
    var orderRules: any OrderRules { wrapped.orderRules }
    var defaultAPIVariant: String { wrapped.defaultAPIVariant }
    func checkToken(of shop: ShopCredentials) async throws -> Bool { try await wrapped.checkToken(of: shop) }
    func ownsMerchant(_ shop: ShopCredentials) async throws -> Bool { try await wrapped.ownsMerchant(shop) }
    func invite(email: String, partner: PartnerCredentials, tenant: TenantID) async throws -> String {
        try await wrapped.invite(email: email, partner: partner, tenant: tenant)
    }
    func activate(code: String, partner: PartnerCredentials, tenant: TenantID) async throws -> ActivatedShop {
        try await wrapped.activate(code: code, partner: partner, tenant: tenant)
    }
    func createOrder(_ draft: OrderDraft, shop: ShopCredentials) async throws -> ProviderOrder { try await wrapped.createOrder(draft, shop: shop) }
    func order(merchantOrderID: String, shop: ShopCredentials) async throws -> ProviderOrder? {
        try await wrapped.order(merchantOrderID: merchantOrderID, shop: shop)
    }
    func listOrders(_ query: OrderQuery, shop: ShopCredentials) async throws -> ProviderPage<ProviderOrder> {
        try await wrapped.listOrders(query, shop: shop)
    }
    func updateOrder(id: String, description: String?, expiresAt: Date?, shop: ShopCredentials) async throws -> ProviderOrder {
        try await wrapped.updateOrder(id: id, description: description, expiresAt: expiresAt, shop: shop)
    }
    func updateOrder(id: String, to draft: OrderDraft, shop: ShopCredentials) async throws -> ProviderOrder {
        try await wrapped.updateOrder(id: id, to: draft, shop: shop)
    }
    func cancelOrder(id: String, shop: ShopCredentials) async throws -> ProviderOrder { try await wrapped.cancelOrder(id: id, shop: shop) }
    func refundableItems(orderID: String, shop: ShopCredentials) async throws -> [RefundableItem] {
        try await wrapped.refundableItems(orderID: orderID, shop: shop)
    }
    func createRefund(_ draft: RefundDraft, shop: ShopCredentials) async throws -> ProviderRefund { try await wrapped.createRefund(draft, shop: shop) }
    func refund(merchantOrderID: String, parentOrderID: String, shop: ShopCredentials) async throws -> ProviderRefund? {
        try await wrapped.refund(merchantOrderID: merchantOrderID, parentOrderID: parentOrderID, shop: shop)
    }
    func listRefunds(parentOrderID: String, shop: ShopCredentials) async throws -> [ProviderRefund] {
        try await wrapped.listRefunds(parentOrderID: parentOrderID, shop: shop)
    }
    func createShipment(_ draft: ShipmentDraft, shop: ShopCredentials) async throws -> ProviderShipment {
        try await wrapped.createShipment(draft, shop: shop)
    }
    func shipments(orderID: String, shop: ShopCredentials) async throws -> [ProviderShipment] {
        try await wrapped.shipments(orderID: orderID, shop: shop)
    }
    func sendDocument(orderID: String, to recipients: [String], attachPDF: Bool, shop: ShopCredentials) async throws {
        try await wrapped.sendDocument(orderID: orderID, to: recipients, attachPDF: attachPDF, shop: shop)
    }
    func recordPayment(_ payment: PaymentRecord, orderID: String, shop: ShopCredentials) async throws -> ProviderOrder {
        try await wrapped.recordPayment(payment, orderID: orderID, shop: shop)
    }
    func notification(from body: Data) -> ProviderNotification? { wrapped.notification(from: body) }
    func verifySignature(of body: Data, headers: [(name: String, value: String)], key: NotificationKey) -> NotificationSignatureCheck {
        wrapped.verifySignature(of: body, headers: headers, key: key)
    }
    func notificationOutcome(_ verdict: NotificationVerdict) -> String { wrapped.notificationOutcome(verdict) }
    func notificationReply(_ verdict: NotificationVerdict, message: String?) -> NotificationReply {
        wrapped.notificationReply(verdict, message: message)
    }
}

/// Which requests a source address's allowance counts, and how addresses are grouped.
@Suite struct NotificationSourceLimitTests {
    @Test func theProvidersOwnAddressIsNeverSlowedByItsGoodNotifications() async throws {
        var safeguards = NotificationReceiver.Safeguards()
        safeguards.perSource = RateLimit(requests: 2, window: .seconds(600))
        try await TestAPI.run(notificationSafeguards: safeguards) { api in
            let (tenant, merchantID) = try await api.activeTenant("busy-provider")
            // The monitoring test passes the shop check and touches no invoice: a good notification.
            let monitoring = Data(
                #"{"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","status":"completed","merchantId":"\#(merchantID)","merchantOrderId":"","amount":1,"currencyId":"RUB"}"#
                    .utf8
            )
            for _ in 0..<6 {
                #expect(try await api.notify(tenant, body: monitoring, signature: nil)["status"] as? String == "success")
            }
            // Two failures spend the address's allowance; only then is it refused before reading.
            for _ in 0..<2 {
                #expect(try await api.notify(tenant, body: Data("{}".utf8), signature: nil)["code"] as? String == "order_not_found")
            }
            #expect(try await api.notify(tenant, body: monitoring, signature: nil)["code"] as? String == "out_of_service")
        }
    }

    @Test func anIPv6SourceIsLimitedByItsSlash64() {
        #expect(NotificationReceiver.sourceKey("2001:db8:1:2::1") == NotificationReceiver.sourceKey("2001:db8:1:2:ffff:1:2:3"))
        #expect(NotificationReceiver.sourceKey("2001:db8:1:2::1") != NotificationReceiver.sourceKey("2001:db8:1:3::1"))
        #expect(NotificationReceiver.sourceKey("::ffff:192.0.2.1") == "192.0.2.1")
        #expect(NotificationReceiver.sourceKey("192.0.2.1") == "192.0.2.1")
        #expect(NotificationReceiver.sourceKey(nil) == "unknown")
    }
}

extension NotificationSourceLimitTests {
    @Test func unknownTenantsSpendTheSourcesAllowanceToo() async throws {
        var safeguards = NotificationReceiver.Safeguards()
        safeguards.perSource = RateLimit(requests: 3, window: .seconds(600))
        try await TestAPI.run(notificationSafeguards: safeguards) { (api: TestAPI) async throws in
            for _ in 0..<2 {
                #expect(try await api.notify(UUID().uuidString, body: Data("{}".utf8), signature: nil)["code"] as? String == "order_not_found")
            }
            #expect(try await api.notify("not-a-tenant", body: Data("{}".utf8), signature: nil)["code"] as? String == "order_not_found")
            // Random tenant ids from one address are refused once its allowance is spent.
            #expect(try await api.notify(UUID().uuidString, body: Data("{}".utf8), signature: nil)["code"] as? String == "out_of_service")
        }
    }
}
