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
/// Each pass claims due events from the `Outbox` under a lease, posts each one signed by the
/// `WebhookSigner`, and records the outcome in the `Outbox`. A replica that dies mid-delivery
/// lets its lease lapse; the event is delivered again by whichever replica comes next.
package struct EventDispatcher: Service {
    let outbox: Outbox
    let http: HTTPClient
    let webhook: HostWebhook
    let policy: DeliveryPolicy
    let logger: Logger

    /// The clock its pauses are measured on; a test steps it by hand.
    let clock: any Clock<Duration>

    package init(
        client: PostgresClient, http: HTTPClient, webhook: HostWebhook, policy: DeliveryPolicy = DeliveryPolicy(), logger: Logger,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.clock = clock
        self.outbox = Outbox(client: client, logger: logger)
        self.http = http
        self.webhook = webhook
        self.policy = policy
        self.logger = logger
    }

    package func run() async throws {
        await runPasses(
            pausing: policy.idlePause, onlyWhenIdle: true, clock: clock, logger: logger, operation: "event_delivery.pass", failure: "event delivery pass failed"
        ) {
            try await runOnce()
        }
    }

    /// One pass: claims the due events and delivers them concurrently. Returns how many were tried.
    @discardableResult
    package func runOnce() async throws -> Int {
        let token = UUID()
        let events = try await outbox.claim(token: token, lease: policy.lease, limit: policy.batchSize)
        await withTaskGroup(of: Void.self) { group in
            for event in events {
                group.addTask { await deliver(event, token: token) }
            }
        }
        return events.count
    }

    private func deliver(_ event: HostEvent, token: UUID) async {
        let started = Date()
        let clock = ContinuousClock.now
        let (status, failure) = await post(event)
        let milliseconds = (ContinuousClock.now - clock).wholeMilliseconds
        // Shutting down is not the host's failure: the lease lapses and the event goes out again.
        if Task.isCancelled { return }
        do {
            if let failure {
                let wait = policy.wait(afterAttempt: event.attempts + 1)
                let outcome = try await outbox.recordFailure(
                    event, token: token, started: started, milliseconds: milliseconds, status: status, error: failure,
                    wait: wait, retryWindow: policy.retryWindow
                )
                Counter(label: "folio_webhook_deliveries_total", dimensions: [("outcome", outcome)]).increment()
                logger.notice(
                    "webhook delivery failed",
                    metadata: [
                        "event.id": "\(event.id)", "event.type": "\(event.type)", "attempt": "\(event.attempts + 1)", "error": "\(failure)",
                        "outcome": "\(outcome)",
                    ]
                )
            } else {
                try await outbox.recordDelivered(event, token: token, started: started, milliseconds: milliseconds, status: status)
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
            let response = try await http.execute(request, timeout: .milliseconds(policy.timeout.wholeMilliseconds))
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
}
