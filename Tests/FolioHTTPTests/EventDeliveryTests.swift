import AsyncHTTPClient
import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import InvoiceboxSandbox
import InvoicingService
import Logging
import PostgresNIO
import StatusUpdater
import Testing

@Suite(.serialized) struct EventDeliveryTests {
    static let secret = "whsec_" + Data(repeating: 42, count: 24).base64EncodedString()

    /// Retries within milliseconds, so that a test sees many of them.
    static func fastPolicy(timeout: Duration = .milliseconds(500), lease: Duration = .seconds(2), window: Duration = .seconds(60)) -> DeliveryPolicy {
        var policy = DeliveryPolicy()
        policy.firstRetry = .milliseconds(20)
        policy.longestWait = .milliseconds(200)
        policy.timeout = timeout
        policy.lease = lease
        policy.retryWindow = window
        policy.idlePause = .milliseconds(20)
        return policy
    }

    static func dispatcher(_ api: TestAPI, port: Int, policy: DeliveryPolicy) -> EventDispatcher {
        EventDispatcher(
            client: api.database, http: api.httpClient,
            webhook: HostWebhook(url: URL(string: "http://127.0.0.1:\(port)/hooks")!, signer: WebhookSigner(secret: Secret(secret))!),
            policy: policy, logger: TestDatabase.logger
        )
    }

    /// Events of every kind: an activation, invoices created, paid, canceled, refunded.
    static func makeEvents(_ api: TestAPI, tenantName: String, invoices: Int = 3) async throws -> String {
        let (tenant, merchantID) = try await api.activeTenant(tenantName)
        for number in 0..<invoices {
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID, reservationID: "R-\(number)")
            switch number % 3 {
            case 0:
                try await api.sandbox.state.pay(orderID: invoice.orderID)
                try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)/sync")
                try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)/refunds", json: #"{"amount":1000}"#)
            case 1:
                try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)/cancel")
            default:
                break
            }
        }
        return tenant
    }

    static func pendingCount(_ api: TestAPI) async throws -> Int64 {
        try await api.database.scalar("SELECT count(*) FROM folio.events WHERE delivery = 'pending'", as: Int64.self) ?? -1
    }

    static func waitUntilNothingPending(_ api: TestAPI, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await eventually("events are still pending", sourceLocation: sourceLocation) { try await pendingCount(api) == 0 }
    }

    /// Attempts that found nothing listening (no HTTP status, an error).
    static func refusedAttempts(_ api: TestAPI) async throws -> Int64 {
        try await api.database.scalar(
            "SELECT count(*) FROM folio.event_deliveries WHERE outcome = 'retry' AND http_status IS NULL AND error IS NOT NULL",
            as: Int64.self
        ) ?? 0
    }

    static func eventIDsInSequence(_ api: TestAPI) async throws -> [(id: String, key: String, sequence: Int64)] {
        let rows = try await api.database.query(
            "SELECT id::text, coalesce(invoice_id::text, 'tenant'), sequence FROM folio.events ORDER BY tenant_id, sequence",
            logger: TestDatabase.logger
        )
        var events: [(String, String, Int64)] = []
        for try await row in rows.decode((String, String, Int64).self) { events.append(row) }
        return events.map { (id: $0.0, key: $0.1, sequence: $0.2) }
    }

    /// For each invoice (and the tenant's own stream), the order in which events were first accepted.
    static func firstAcceptanceOrder(_ deliveries: [HostInbox.Delivery]) -> [String: [Int64]] {
        var seen = Set<String>()
        var order: [String: [Int64]] = [:]
        for delivery in deliveries where seen.insert(delivery.id).inserted {
            order[delivery.orderingKey, default: []].append(delivery.sequence)
        }
        return order
    }

    @Test func aHostThatIsDownThenFailsThenIsSlowReceivesEveryEventInOrder() async throws {
        try await TestAPI.run { api in
            let tenant = try await Self.makeEvents(api, tenantName: "recovering-host", invoices: 6)
            let events = try await Self.eventIDsInSequence(api)
            // Activated; created ×6; paid and refunded ×2; canceled ×2.
            let expectedCount = 13
            #expect(events.count == expectedCount)
            // The host's address: bound once by the system, then let go, so the host is down.
            let port = try await HostWebhookReceiver.serve(HostInbox(secret: Self.secret)) { $0 }
            let dispatcher = Self.dispatcher(api, port: port, policy: Self.fastPolicy(timeout: .seconds(1)))
            let running = Task { try await dispatcher.run() }
            defer { running.cancel() }
            // Down: nothing listens yet.
            try await eventually("no refused attempt was recorded") { try await Self.refusedAttempts(api) > 0 }
            #expect(try await Self.pendingCount(api) == Int64(events.count))
            let inbox = HostInbox(secret: Self.secret, plan: [.fail(500), .fail(503), .fail(500), .slow(.milliseconds(1500)), .fail(400)])
            try await HostWebhookReceiver.serve(inbox, port: port) { _ in
                try await Self.waitUntilNothingPending(api)
            }
            #expect(try await Self.pendingCount(api) == 0)
            let accepted = await inbox.accepted
            #expect(Set(accepted.map(\.id)) == Set(events.map(\.id)))
            #expect(accepted.allSatisfy { $0.signatureValid })
            #expect(accepted.allSatisfy { $0.tenantID == tenant })
            for (key, sequences) in Self.firstAcceptanceOrder(accepted) {
                #expect(sequences == sequences.sorted(), "events of \(key) arrived out of order: \(sequences)")
            }
            let outcomes = try await api.database.query(
                "SELECT outcome, http_status, error FROM folio.event_deliveries", logger: TestDatabase.logger
            )
            var refused = 0
            var serverErrors = 0
            var delivered = 0
            for try await (outcome, status, error) in outcomes.decode((String, Int?, String?).self) {
                if outcome == "delivered" { delivered += 1 }
                if outcome == "retry", status == nil, error != nil { refused += 1 }
                if outcome == "retry", status == 500 || status == 503 { serverErrors += 1 }
            }
            #expect(refused > 0)
            #expect(serverErrors == 3)
            #expect(delivered == events.count)
            // The feed shows the same events, delivered.
            let feed = try await api.send(.get, "/v1/tenants/\(tenant)/events?limit=100").json()["items"] as? [[String: Any]] ?? []
            let feedIDs: [String] = feed.compactMap { $0["id"] as? String }
            let deliveryStatuses: [String] = feed.compactMap { ($0["delivery"] as? [String: Any])?["status"] as? String }
            #expect(feedIDs == events.map(\.id))
            #expect(deliveryStatuses == Array(repeating: "delivered", count: events.count))
        }
    }

    @Test func anEventStillFailingAtTheEndOfTheWindowIsDeadAndVisible() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("dead-letter")
            let inbox = HostInbox(secret: Self.secret, otherwise: .fail(500))
            try await HostWebhookReceiver.serve(inbox) { port in
                let dispatcher = Self.dispatcher(api, port: port, policy: Self.fastPolicy(window: .milliseconds(300)))
                let running = Task { try await dispatcher.run() }
                defer { running.cancel() }
                try await Self.waitUntilNothingPending(api)
            }
            let feed = try await api.send(.get, "/v1/tenants/\(tenant)/events").json()["items"] as? [[String: Any]] ?? []
            let delivery = try #require(feed.first?["delivery"] as? [String: Any])
            #expect(delivery["status"] as? String == "dead")
            #expect((delivery["attempts"] as? Int ?? 0) >= 2)
            #expect(delivery["lastError"] as? String == "HTTP 500")
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.event_deliveries WHERE outcome = 'dead'", as: Int64.self) == 1)

            // Once the host's endpoint is fixed, the operator queues dead events again.
            #expect(try await Outbox.redeliverDead(of: TenantID(string: tenant), client: api.database, logger: TestDatabase.logger) == 1)
            let fixed = HostInbox(secret: Self.secret)
            try await HostWebhookReceiver.serve(fixed) { port in
                let dispatcher = Self.dispatcher(api, port: port, policy: Self.fastPolicy(window: .milliseconds(300)))
                let running = Task { try await dispatcher.run() }
                defer { running.cancel() }
                try await Self.waitUntilNothingPending(api)
            }
            #expect(await fixed.accepted.map(\.type) == ["invoicing.activated"])
            let redelivered = try await api.send(.get, "/v1/tenants/\(tenant)/events").json()["items"] as? [[String: Any]] ?? []
            #expect((redelivered.first?["delivery"] as? [String: Any])?["status"] as? String == "delivered")
            #expect(try await Outbox.redeliverDead(of: nil, client: api.database, logger: TestDatabase.logger) == 0)
        }
    }

    @Test func twoReplicasDeliverEachEventOnce() async throws {
        try await TestAPI.run { api in
            _ = try await Self.makeEvents(api, tenantName: "replicas-a", invoices: 9)
            _ = try await Self.makeEvents(api, tenantName: "replicas-b", invoices: 9)
            let events = try await Self.eventIDsInSequence(api)
            let inbox = HostInbox(secret: Self.secret, otherwise: .slow(.milliseconds(5)))
            let policy = {
                var policy = Self.fastPolicy()
                policy.batchSize = 4
                return policy
            }()
            try await HostWebhookReceiver.serve(inbox) { port in
                let first = Self.dispatcher(api, port: port, policy: policy)
                let second = Self.dispatcher(api, port: port, policy: policy)
                let runningFirst = Task { try await first.run() }
                let runningSecond = Task { try await second.run() }
                defer {
                    runningFirst.cancel()
                    runningSecond.cancel()
                }
                try await Self.waitUntilNothingPending(api)
            }
            let accepted = await inbox.accepted
            #expect(accepted.count == events.count)
            #expect(Set(accepted.map(\.id)).count == events.count)
            for (key, sequences) in Self.firstAcceptanceOrder(accepted) {
                #expect(sequences == sequences.sorted(), "events of \(key) arrived out of order: \(sequences)")
            }
        }
    }

    @Test func anEventWhoseDeliveryDiedWithItsReplicaIsDeliveredWhenTheLeaseLapses() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("killed-replica")
            // What a replica killed mid-delivery leaves behind: the event claimed under its lease.
            try await api.database.query(
                "UPDATE folio.events SET lease_token = gen_random_uuid(), next_attempt_at = now() + interval '1 hour'",
                logger: TestDatabase.logger
            )
            let inbox = HostInbox(secret: Self.secret)
            try await HostWebhookReceiver.serve(inbox) { port in
                let dispatcher = Self.dispatcher(api, port: port, policy: Self.fastPolicy())
                #expect(try await dispatcher.runOnce() == 0, "another replica's lease is respected")
                // The lease lapses: moved in the database instead of waited for.
                try await api.database.query(
                    "UPDATE folio.events SET next_attempt_at = now() - interval '1 millisecond'", logger: TestDatabase.logger
                )
                #expect(try await dispatcher.runOnce() == 1, "a lapsed lease is taken over")
            }
            #expect(try await Self.pendingCount(api) == 0)
            let accepted = await inbox.accepted
            #expect(accepted.map(\.type) == ["invoicing.activated"])
            #expect(accepted.first?.tenantID == tenant)
        }
    }

    @Test func aDeliveryCutShortByShutdownIsNotCountedAsAFailure() async throws {
        try await TestAPI.run { api in
            _ = try await api.activeTenant("shutting-down")
            let inbox = HostInbox(secret: Self.secret, otherwise: .slow(.seconds(3)))
            try await HostWebhookReceiver.serve(inbox) { port in
                let dispatcher = Self.dispatcher(api, port: port, policy: Self.fastPolicy(timeout: .seconds(10)))
                let running = Task { try await dispatcher.run() }
                try await eventually("the host received no request") { await inbox.requests > 0 }
                running.cancel()
                _ = await running.result
            }
            let attempts = try await api.database.scalar("SELECT attempts FROM folio.events", as: Int.self)
            #expect(attempts == 0)
            #expect(try await api.database.scalar("SELECT count(*) FROM folio.event_deliveries", as: Int64.self) == 0)
            #expect(try await Self.pendingCount(api) == 1)
        }
    }

    @Test func theStandardWebhooksSignatureMatchesTheSpecificationsVector() {
        // The example of the Standard Webhooks specification.
        let signer = WebhookSigner(secret: Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = signer?.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Data(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(WebhookSigner(secret: Secret("whsec_not base64!")) == nil)
        #expect(WebhookSigner(secret: Secret("")) == nil)
    }
}
