import AsyncHTTPClient
import Foundation
import HTTPServing
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A local simulator of Invoicebox API v3: the same paths, envelopes, validations, error codes,
/// statuses, rate limit and signed notifications, plus an admin API (`/__sandbox/…`) for what
/// happens outside the API in real life. It knows nothing of Folio.
package final class InvoiceboxSandbox: Sendable {
    package let state: SandboxState
    let configuration: SandboxConfiguration
    let logger: Logger
    let httpClient: HTTPClient
    private let outbox: AsyncStream<PendingNotification>

    package init(configuration: SandboxConfiguration = .init(), httpClient: HTTPClient = .shared, logger: Logger) {
        let (outbox, continuation) = AsyncStream.makeStream(of: PendingNotification.self)
        self.outbox = outbox
        self.state = SandboxState(configuration: configuration, outbox: continuation)
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Makes payment links open the sandbox's payment page at `url`, where a person pays in a browser.
    package func servePaymentPages(at url: URL) async {
        await state.setPaymentPageBaseURL(url.absoluteString + "/__sandbox/pay")
    }

    /// Delivers notifications (with their retries) and expires overdue orders until cancelled.
    package func runBackgroundWork() async {
        let dispatcher = NotificationDispatcher(
            state: state, httpClient: httpClient, retryDelays: configuration.notificationRetryDelays,
            timeout: configuration.notificationTimeout, logger: logger
        )
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    await self.state.expireDueOrders()
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            for await notification in outbox {
                group.addTask { await dispatcher.deliver(notification) }
            }
            group.cancelAll()
        }
    }

    /// Notification delivery and expiry sweeps, as a service that stops on graceful shutdown.
    private struct BackgroundWork: Service {
        let sandbox: InvoiceboxSandbox

        func run() async throws {
            await cancelWhenGracefulShutdown {
                await sandbox.runBackgroundWork()
            }
        }
    }

    /// Serves the sandbox on `host:port` (0 picks a free port) and runs `body` with its base URL.
    package func withRunningServer<Result: Sendable>(
        host: String = "127.0.0.1",
        port: Int = 0,
        _ body: @Sendable (URL) async throws -> Result
    ) async throws -> Result {
        let listening = ListeningPort()
        let app = Application(
            router: buildRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            services: [BackgroundWork(sandbox: self)],
            onServerRunning: listening.report,
            logger: logger
        )
        return try await listening.serve(app, host: host, body)
    }
}
