import ArgumentParser
import Crypto
import Foundation
import InvoiceboxSandbox
import Logging
import Prometheus
import TenantRegistry

/// `folio dev`: `serve` with development defaults, so that a database URL is all it needs.
///
/// A vault key and a platform key are created once under `--state-dir` (mode 0600) and reused on
/// later runs, so tokens stored and keys handed out survive a restart of the development stack.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run Folio for development: migrations applied, a development platform key printed."
    )

    @Option(help: "Where the development keys are kept.")
    var stateDir = ".folio/dev-keys"

    @Option(help: "Port of the Invoicebox sandbox started for development (0: any free port).")
    var sandboxPort = 0

    func run() async throws {
        let state = URL(fileURLWithPath: stateDir, isDirectory: true)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var overrides: [String: String] = [:]
        let environment = ProcessInfo.processInfo.environment
        if environment["FOLIO_VAULT_KEYS"]?.isEmpty ?? true {
            let material = try Self.secretFile(state.appendingPathComponent("vault.key")) {
                SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            }
            overrides["FOLIO_VAULT_KEYS"] = "dev:\(material)"
        }
        let platformKey = try Self.secretFile(state.appendingPathComponent("platform.key")) { APIKey.generate().secret }
        let configured = environment["FOLIO_PLATFORM_KEYS"].flatMap { $0.isEmpty ? nil : $0 }
        overrides["FOLIO_PLATFORM_KEYS"] = ([platformKey] + (configured.map { [$0] } ?? [])).joined(separator: ",")

        // The Invoicebox sandbox runs in this process unless a provider URL is configured.
        let useSandbox = environment["FOLIO_INVOICEBOX_BASE_URL"]?.isEmpty ?? true
        let sandboxConfiguration = SandboxConfiguration.fast
        if useSandbox {
            overrides["FOLIO_INVOICEBOX_PARTNER_ID"] = sandboxConfiguration.partnerID
            overrides["FOLIO_INVOICEBOX_PARTNER_TOKEN"] = sandboxConfiguration.partnerToken
        }
        let loaded = try CommandSupport.loadConfiguration(.development, overrides: overrides)
        CommandSupport.bootstrapLogging(level: loaded.logLevel)
        let metrics = CommandSupport.bootstrapMetrics()
        guard useSandbox else {
            try await Self.serve(loaded, metrics: metrics, sandboxURL: nil, stateDirectory: state, platformKey: platformKey)
            return
        }
        let sandbox = InvoiceboxSandbox(configuration: sandboxConfiguration, logger: Logger(label: "folio.sandbox"))
        try await sandbox.withRunningServer(port: sandboxPort) { url in
            var configuration = loaded
            configuration.invoiceboxBaseURL = url
            try await Self.serve(configuration, metrics: metrics, sandboxURL: url, stateDirectory: state, platformKey: platformKey)
        }
    }

    static func serve(
        _ configuration: FolioConfiguration, metrics: PrometheusCollectorRegistry, sandboxURL: URL?, stateDirectory state: URL, platformKey: String
    ) async throws {
        let base = "http://\(configuration.httpHost):\(configuration.httpPort)"
        let sandboxLine =
            sandboxURL.map { "Invoicebox sandbox at \($0.absoluteString) (admin API under /__sandbox/)" }
            ?? "Invoicebox at \(configuration.invoiceboxBaseURL.absoluteString)"
        try await FolioServer.run(configuration: configuration, metrics: metrics, migrate: true) {
            // Written straight to the file descriptor: `print` is block-buffered when standard
            // output is a file or a pipe, and the banner would show up only at exit.
            FileHandle.standardOutput.write(
                Data(
                    """

                    Folio is running at \(base)
                    \(sandboxLine)
                    Development platform key (kept in \(state.path)/platform.key):

                        \(platformKey)

                    Try it:
                        export FOLIO_KEY=\(platformKey)
                        curl -s \(base)/health/ready
                        curl -s -X POST \(base)/v1/tenants -H "Authorization: Bearer $FOLIO_KEY" \\
                             -H 'Content-Type: application/json' -d '{"externalId":"hotel-1","displayName":"Hotel One"}'
                        curl -s \(base)/v1/tenants -H "Authorization: Bearer $FOLIO_KEY"
                    \(sandboxURL.map { Self.invoicingTour(base: base, sandbox: $0.absoluteString) } ?? "")

                    Stop with Ctrl-C.

                    """.utf8
                ))
        }
    }

    /// "Enable invoicing" and a first invoice, against the in-process sandbox.
    static func invoicingTour(base: String, sandbox: String) -> String {
        let auth = #"-H "Authorization: Bearer $FOLIO_KEY" -H 'Content-Type: application/json'"#
        return """

            Enable invoicing for that tenant and invoice a stay (T is the tenant's "id" from above):
                curl -s -X POST \(base)/v1/tenants/$T/invoicing/invite \(auth) -d '{"email":"gm@hotel-1.example"}'
                curl -s \(sandbox)/__sandbox/invites/gm@hotel-1.example     # the code the tenant received
                curl -s -X POST \(base)/v1/tenants/$T/invoicing/activate \(auth) -d '{"activationCode":"CODE"}'
                curl -s -X POST \(base)/v1/tenants/$T/invoices \(auth) -H 'Idempotency-Key: booking-1' -d '{
                    "reservationId":"B-1","description":"Two nights","currency":"RUB",
                    "customer":{"type":"private","email":"guest@example.org"},
                    "items":[{"name":"Room, 2 nights","quantity":2,"unitPrice":450000,"vatCode":"RUS_VAT22"}]}'
                curl -s \(base)/v1/tenants/$T/invoices \(auth)
                curl -s -X POST \(sandbox)/__sandbox/orders/ORDER/pay   # the guest pays (ORDER: the invoice's providerOrderId)
                curl -s \(base)/v1/tenants/$T/events \(auth)            # the provider notified Folio: invoice.paid
            """
    }

    /// Reads a one-line secret file, or creates it with owner-only permissions.
    static func secretFile(_ url: URL, create: () -> String) throws -> String {
        if let data = FileManager.default.contents(atPath: url.path),
            let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !text.isEmpty
        {
            return text
        }
        let value = create()
        guard FileManager.default.createFile(atPath: url.path, contents: Data((value + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(url.path)")
        }
        return value
    }
}
