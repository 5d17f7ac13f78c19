import ArgumentParser
import FakturowniaSandbox
import Foundation
import Hummingbird
import InvoiceboxSandbox
import Logging

/// `folio-sandbox`: the Invoicebox simulator as a process of its own, for development and demos.
@main
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio-sandbox",
        abstract: "A local simulator of the Invoicebox API v3 or of Fakturownia (state in memory; a restart starts clean)."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8090

    @Option(help: "Which provider to simulate: invoicebox or fakturownia.")
    var provider = SimulatedProvider.invoicebox

    @Option(help: "Fakturownia: prefix of the seeded partner account.")
    var partnerPrefix = FakturowniaConfiguration().partnerPrefix

    @Option(help: "Fakturownia: POST /account.json without integration_token: create-without-token or refuse.")
    var accountWithoutIntegrationToken = FakturowniaConfiguration.AccountWithoutIntegrationToken.createWithoutToken.rawValue

    @Option(help: "Fakturownia: a per_page above 100 is capped to 100 (cap) or answered 422 (refuse).")
    var perPageOverLimit = FakturowniaConfiguration.PerPageOverLimit.cap.rawValue

    @Flag(help: "Fakturownia: webhook payloads carry the event kind at the top level.")
    var webhookPayloadIncludesKind = false

    @Flag(help: "Fakturownia: send_by_email answers HTTP 200 {\"status\":\"error\"} and sends nothing.")
    var sendByEmailRefused = false

    @Flag(help: "Fakturownia: webhook deliveries are dropped (reconciliation by polling).")
    var dropWebhookDeliveries = false

    @Flag(help: "Fakturownia: POST/PUT /webhooks.json also take the fields without the webhook wrapper.")
    var acceptsUnwrappedWebhookFields = false

    @Option(help: "Fakturownia: the status POST /invoices/cancel.json leaves: rejected or canceled.")
    var cancelLeavesStatus = FakturowniaConfiguration.CancelLeavesStatus.rejected.rawValue

    @Option(help: "The partner id accepted by invite and activation.")
    var partnerID = SandboxConfiguration().partnerID

    @Option(help: "Requests per token per 30 s before 429 (0: no limit).")
    var requestsPerToken = 100

    @Flag(help: "Retry notifications within seconds instead of hours.")
    var fastRetries = false

    @Option(help: "Whether GET /billing/api/order/order/{id} is served: served, absent (404) or method-not-allowed (405).")
    var singleOrderRoute = SandboxSingleOrderRoute.served.rawValue

    @Option(help: "Paging parameters taken: both, documented (page/pageSize), underscored (_page/_pageSize) or neither (page 1 of 30).")
    var pagingSpelling = SandboxPagingSpelling.both.rawValue

    func validate() throws {
        guard SandboxSingleOrderRoute(rawValue: singleOrderRoute) != nil else {
            throw ValidationError("--single-order-route must be served, absent or method-not-allowed")
        }
        guard SandboxPagingSpelling(rawValue: pagingSpelling) != nil else {
            throw ValidationError("--paging-spelling must be both, documented, underscored or neither")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        if provider == .fakturownia {
            try await runFakturownia()
            return
        }
        var configuration = fastRetries ? SandboxConfiguration.fast : SandboxConfiguration()
        configuration.partnerID = partnerID
        configuration.requestsPerToken = requestsPerToken
        configuration.singleOrderRoute = SandboxSingleOrderRoute(rawValue: singleOrderRoute) ?? .served
        configuration.pagingSpelling = SandboxPagingSpelling(rawValue: pagingSpelling) ?? .both
        if let token = ProcessInfo.processInfo.environment["FOLIO_SANDBOX_PARTNER_TOKEN"], !token.isEmpty {
            configuration.partnerToken = token
        }
        let sandbox = InvoiceboxSandbox(configuration: configuration, logger: Logger(label: "folio.sandbox"))
        let host = host
        let port = port
        let partnerID = configuration.partnerID
        try await sandbox.withRunningServer(host: host, port: port) { url in
            print("Invoicebox sandbox listening on \(url.absoluteString) (partner \(partnerID))")
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(3600))
            }
        }
    }
}

/// The providers `folio-sandbox` can play.
enum SimulatedProvider: String, ExpressibleByArgument, CaseIterable {
    case invoicebox
    case fakturownia
}

extension SandboxCommand {
    /// The Fakturownia simulator: accounts under `http://host:port/<prefix>`, or by `Host` subdomain.
    func runFakturownia() async throws {
        var configuration = FakturowniaConfiguration()
        configuration.partnerPrefix = partnerPrefix
        let environment = ProcessInfo.processInfo.environment
        if let token = environment["FOLIO_FAKTUROWNIA_PARTNER_TOKEN"], !token.isEmpty { configuration.partnerAPIToken = token }
        if let token = environment["FOLIO_FAKTUROWNIA_INTEGRATION_TOKEN"], !token.isEmpty { configuration.integrationToken = token }
        guard let accountMode = FakturowniaConfiguration.AccountWithoutIntegrationToken(rawValue: accountWithoutIntegrationToken) else {
            throw ValidationError("--account-without-integration-token must be create-without-token or refuse")
        }
        guard let perPageMode = FakturowniaConfiguration.PerPageOverLimit(rawValue: perPageOverLimit) else {
            throw ValidationError("--per-page-over-limit must be cap or refuse")
        }
        guard let cancelMode = FakturowniaConfiguration.CancelLeavesStatus(rawValue: cancelLeavesStatus) else {
            throw ValidationError("--cancel-leaves-status must be rejected or canceled")
        }
        configuration.cancelLeavesStatus = cancelMode
        configuration.accountWithoutIntegrationToken = accountMode
        configuration.perPageOverLimit = perPageMode
        configuration.webhookPayloadIncludesKind = webhookPayloadIncludesKind
        configuration.sendByEmailRefused = sendByEmailRefused
        configuration.dropWebhookDeliveries = dropWebhookDeliveries
        configuration.acceptsUnwrappedWebhookFields = acceptsUnwrappedWebhookFields
        let sandbox = FakturowniaSandbox(configuration: configuration, logger: Logger(label: "folio.sandbox.fakturownia"))
        let seeded = configuration
        try await sandbox.withRunningServer(host: host, port: port) { url in
            // The seeded partner's credentials are sandbox values, printed so that a developer can
            // use them; written straight to the descriptor, since `print` is block-buffered in a pipe.
            FileHandle.standardOutput.write(
                Data(
                    """
                    Fakturownia sandbox listening on \(url.absoluteString) (control API under /__sandbox/)
                    Partner account: \(url.absoluteString)/\(seeded.partnerPrefix)  api_token \(seeded.partnerAPIToken)  integration_token \(seeded.integrationToken)

                    """.utf8))
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(3600))
            }
        }
    }
}
