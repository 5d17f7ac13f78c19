import ArgumentParser
import Foundation
import Hummingbird
import InvoiceboxSandbox
import Logging

/// `folio-sandbox`: the Invoicebox simulator as a process of its own, for development and demos.
@main
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio-sandbox",
        abstract: "A local simulator of the Invoicebox API v3 (state in memory; a restart starts clean)."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8090

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
