import AsyncHTTPClient
import FolioDomain
import Foundation
import InvoicingService
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import PostgresNIO
import ServiceLifecycle
import TenantRegistry

/// Where the host platform receives its webhooks.
package struct HostWebhook: Sendable {
    package var url: URL
    package var signer: WebhookSigner

    package init(url: URL, signer: WebhookSigner) {
        self.url = url
        self.signer = signer
    }
}

/// When a failed delivery is tried again, and when Folio gives up.
package struct DeliveryPolicy: Sendable {
    /// The wait after the first failure; it doubles with each failure after.
    package var firstRetry: Duration = .seconds(5)
    package var longestWait: Duration = .seconds(6 * 3600)
    /// An event still failing this long after its first attempt is marked dead. Counted from the
    /// first attempt, not from its creation, so that an event that waited behind an earlier one
    /// of its invoice still gets the whole window.
    package var retryWindow: Duration = .seconds(3 * 24 * 3600)
    package var timeout: Duration = .seconds(10)
    /// How long a claimed event is left to the replica delivering it; longer than `timeout`.
    package var lease: Duration = .seconds(60)
    package var batchSize = 32
    /// The pause between passes that found nothing to do.
    package var idlePause: Duration = .milliseconds(250)

    package init() {}

    /// The wait before attempt `attempt + 1`: exponential, capped, with full jitter over its
    /// upper half so that a host coming back is not hit by every event at once.
    func wait(afterAttempt attempt: Int) -> Duration {
        let doublings = min(max(attempt - 1, 0), 40)
        let ceiling = min(firstRetry * Int(1 << min(doublings, 30)), longestWait)
        return ceiling * Double.random(in: 0.5...1.0)
    }
}

/// Delivers the outbox to the host's webhook URL: at least once, in order per invoice, with
/// backoff until the retry window ends.
///
/// A pass claims due events under `FOR UPDATE SKIP LOCKED`, taking only the oldest pending event
/// of each invoice, and leases them (pushes their next attempt past the delivery time). Replicas
/// therefore never hold the same event, and the second event of an invoice waits until the
/// first is delivered or dead. A replica that dies mid-delivery lets its lease lapse; the event
/// is delivered again by whichever replica comes next. Outcomes are recorded only by the
/// replica whose lease token the event still carries.
package struct EventDispatcher: Service {
    let client: PostgresClient
    let http: HTTPClient
    let webhook: HostWebhook
    let policy: DeliveryPolicy
    let logger: Logger

    package init(client: PostgresClient, http: HTTPClient, webhook: HostWebhook, policy: DeliveryPolicy = DeliveryPolicy(), logger: Logger) {
        self.client = client
        self.http = http
        self.webhook = webhook
        self.policy = policy
        self.logger = logger
    }

    package func run() async throws {
        await runPasses(pausing: policy.idlePause, onlyWhenIdle: true, logger: logger, operation: "event_delivery.pass", failure: "event delivery pass failed") {
            try await runOnce()
        }
    }

    /// One pass: claims the due events and delivers them concurrently. Returns how many were tried.
    @discardableResult
    package func runOnce() async throws -> Int {
        let token = UUID()
        let events = try await claim(token: token)
        await withTaskGroup(of: Void.self) { group in
            for event in events {
                group.addTask { await deliver(event, token: token) }
            }
        }
        return events.count
    }

    private func claim(token: UUID) async throws -> [HostEvent] {
        let lease = policy.lease.milliseconds
        return try await EventLog.decode(client.query(
            """
            UPDATE folio.events AS e SET next_attempt_at = now() + \(lease) * interval '1 millisecond', lease_token = \(token)
            FROM (
                SELECT c.id FROM folio.events AS c
                WHERE c.delivery = 'pending' AND c.next_attempt_at <= now()
                  AND NOT EXISTS (
                      SELECT 1 FROM folio.events AS p
                      WHERE p.tenant_id = c.tenant_id AND p.ordering_key = c.ordering_key
                        AND p.delivery = 'pending' AND p.sequence < c.sequence
                  )
                ORDER BY c.next_attempt_at LIMIT \(policy.batchSize)
                FOR UPDATE SKIP LOCKED
            ) AS due
            WHERE e.id = due.id
            RETURNING \(unescaped: HostEvent.columns(prefix: "e."))
            """,
            logger: logger
        ))
    }

    private func deliver(_ event: HostEvent, token: UUID) async {
        let started = Date()
        let clock = ContinuousClock.now
        let (status, failure) = await post(event)
        let milliseconds = (ContinuousClock.now - clock).milliseconds
        // Shutting down is not the host's failure: the lease lapses and the event goes out again.
        if Task.isCancelled { return }
        do {
            if let failure {
                let wait = policy.wait(afterAttempt: event.attempts + 1)
                let outcome = try await recordFailure(event, token: token, started: started, milliseconds: milliseconds, status: status, error: failure, wait: wait)
                Counter(label: "folio_webhook_deliveries_total", dimensions: [("outcome", outcome)]).increment()
                logger.notice(
                    "webhook delivery failed",
                    metadata: ["event.id": "\(event.id)", "event.type": "\(event.type)", "attempt": "\(event.attempts + 1)", "error": "\(failure)", "outcome": "\(outcome)"]
                )
            } else {
                try await recordSuccess(event, token: token, started: started, milliseconds: milliseconds, status: status)
                Counter(label: "folio_webhook_deliveries_total", dimensions: [("outcome", "delivered")]).increment()
            }
        } catch {
            // The lease runs out and the event is delivered again: at least once.
            FailureReport.record(
                error, "webhook outcome not recorded", operation: "event.deliver", extra: ["event.id": "\(event.id)"], logger: logger
            )
        }
    }

    /// Returns the HTTP status and, unless the host answered 2xx, why it failed.
    private func post(_ event: HostEvent) async -> (Int?, String?) {
        let body = event.webhookBody
        let timestamp = Int64(Date().timeIntervalSince1970)
        let id = event.id.uuidString.lowercased()
        var request = HTTPClientRequest(url: webhook.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Folio-Webhooks/\(FolioVersion.current)")
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(name: "webhook-signature", value: webhook.signer.signature(id: id, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.execute(request, timeout: .milliseconds(policy.timeout.milliseconds))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            return (status, (200..<300).contains(status) ? nil : "HTTP \(status)")
        } catch {
            return (nil, String(describing: type(of: error)) + ": " + Self.reason(error))
        }
    }

    /// A short reason for a transport error that never carries the URL (it may hold credentials).
    static func reason(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            case .remoteConnectionClosed: return "connection closed"
            default: return "request failed"
            }
        }
        return "connection failed"
    }

    private func recordSuccess(_ event: HostEvent, token: UUID, started: Date, milliseconds: Int64, status: Int?) async throws {
        try await client.query(
            """
            WITH updated AS (
                UPDATE folio.events SET delivery = 'delivered', delivered_at = now(), attempts = attempts + 1,
                    first_attempt_at = coalesce(first_attempt_at, \(started)), lease_token = NULL, last_error = NULL
                WHERE id = \(event.id) AND lease_token = \(token)
                RETURNING id, attempts
            )
            INSERT INTO folio.event_deliveries (event_id, attempt, started_at, duration_ms, http_status, outcome)
            SELECT id, attempts, \(started), \(milliseconds), \(status), 'delivered' FROM updated
            """,
            logger: logger
        )
    }

    /// Schedules the next attempt, or marks the event dead once the retry window is over.
    /// Returns `retry` or `dead`.
    private func recordFailure(
        _ event: HostEvent, token: UUID, started: Date, milliseconds: Int64, status: Int?, error: String, wait: Duration
    ) async throws -> String {
        let window = policy.retryWindow.milliseconds
        let waitMilliseconds = wait.milliseconds
        let rows = try await client.query(
            """
            WITH updated AS (
                UPDATE folio.events SET attempts = attempts + 1, lease_token = NULL, last_error = \(error),
                    first_attempt_at = coalesce(first_attempt_at, \(started)),
                    delivery = CASE WHEN coalesce(first_attempt_at, \(started)) + \(window) * interval '1 millisecond' <= now()
                                    THEN 'dead' ELSE 'pending' END,
                    next_attempt_at = now() + \(waitMilliseconds) * interval '1 millisecond'
                WHERE id = \(event.id) AND lease_token = \(token)
                RETURNING id, attempts, delivery, next_attempt_at
            )
            INSERT INTO folio.event_deliveries (event_id, attempt, started_at, duration_ms, http_status, error, outcome, next_attempt_at)
            SELECT id, attempts, \(started), \(milliseconds), \(status), \(error),
                   CASE WHEN delivery = 'dead' THEN 'dead' ELSE 'retry' END,
                   CASE WHEN delivery = 'pending' THEN next_attempt_at END
            FROM updated
            RETURNING outcome
            """,
            logger: logger
        )
        for try await outcome in rows.decode(String.self) { return outcome }
        return "lease lost"
    }
}

extension Duration {
    /// Whole milliseconds, for SQL intervals and HTTP timeouts.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
