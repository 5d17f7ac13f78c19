import AsyncHTTPClient
import Foundation
import HTTPServing
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle

/// A local simulator of the Fakturownia (InvoiceOcean, VosFactures) REST API: many accounts on
/// one host, partner account creation, invoices, payments, webhooks and the provider's error
/// shapes, plus a control API (`/__sandbox/…`) for what happens outside the API in real life.
///
/// An account is addressed by the first label of the `Host` header (`acme.fakturownia.test`), as
/// the provider's subdomains are, or, when the host is an IP address or a single-label name, by
/// the first path segment: `http://127.0.0.1:PORT/acme/invoices.json`.
package final class FakturowniaSandbox: Sendable {
    package let state: FakturowniaState
    let logger: Logger
    let httpClient: HTTPClient
    private let outbox: AsyncStream<(Int, PendingWebhook)>

    package init(configuration: FakturowniaConfiguration = .init(), httpClient: HTTPClient = .shared, logger: Logger) {
        let (outbox, continuation) = AsyncStream.makeStream(of: (Int, PendingWebhook).self)
        self.outbox = outbox
        self.state = FakturowniaState(configuration: configuration, outbox: continuation)
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Delivers webhooks until cancelled, one after the other in the order the changes happened:
    /// one attempt each, never retried (§9: retries are undocumented, so a receiver must not
    /// count on them).
    package func runBackgroundWork() async {
        for await (index, webhook) in outbox {
            await deliver(webhook, index: index)
        }
    }

    private func deliver(_ webhook: PendingWebhook, index: Int) async {
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Fakturownia-Sandbox/1.0")
        request.body = .bytes(ByteBuffer(data: webhook.body))
        do {
            let timeout = await state.configuration.webhookTimeout
            let response = try await httpClient.execute(request, timeout: .seconds(max(1, timeout.components.seconds)))
            _ = try await response.body.collect(upTo: 1 << 16)
            let status = Int(response.status.code)
            await state.settle(delivery: index, httpStatus: status, outcome: (200..<300).contains(status) ? "delivered" : "failed")
        } catch {
            await state.settle(delivery: index, httpStatus: nil, outcome: "failed")
            logger.info("webhook not delivered; it is not retried", metadata: ["webhook.id": "\(webhook.webhookID)", "kind": "\(webhook.kind)"])
        }
    }

    private struct BackgroundWork: Service {
        let sandbox: FakturowniaSandbox

        func run() async throws {
            await cancelWhenGracefulShutdown {
                await sandbox.runBackgroundWork()
            }
        }
    }

    package func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: FakturowniaResponder(state: state))
        return router
    }

    /// Serves the sandbox on `host:port` (0 picks a free port) and runs `body` with its address
    /// (`http://host:port`; an account's base URL is that plus `/<prefix>`).
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
        return try await listening.serve(app, host: host) { url in
            // A webhook's public link points at the origin the server is on.
            await state.setPublicOrigin(url.absoluteString)
            return try await body(url)
        }
    }
}
