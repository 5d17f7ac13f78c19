import ArgumentParser
import Crypto
import FakturowniaSandbox
import FolioApp
import FolioDomain
import Foundation
import InvoiceboxSandbox
import InvoicingService
import Logging
import PaymentsPort
import PostgresNIO
import Prometheus
import TenantRegistry

/// `folio dev`: `serve` with development defaults, so that a database URL is all it needs.
///
/// A vault key, a session key and a platform key are created once under `--state-dir` (mode 0600)
/// and reused on later runs, so tokens stored, sessions and keys handed out survive a restart of
/// the development stack. `/demo` plays a host's back office with the components embedded.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run Folio for development: migrations applied, a development platform key printed."
    )

    @Option(help: "Where the development keys are kept.")
    var stateDir = ".folio/dev-keys"

    @Option(help: "Port of the Invoicebox sandbox started for development (default: the one of the last run, else any free port).")
    var sandboxPort: Int?

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
        if environment["FOLIO_SESSION_KEYS"]?.isEmpty ?? true {
            let material = try Self.secretFile(state.appendingPathComponent("session.key")) {
                SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            }
            overrides["FOLIO_SESSION_KEYS"] = "dev:\(material)"
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
        // Each shop records the provider's address when it is connected, so the sandbox keeps its
        // port from one run to the next: the shops of the development database stay reachable.
        let portFile = state.appendingPathComponent("sandbox.port")
        let remembered = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let port = sandboxPort ?? remembered.flatMap { Self.isFree($0) ? $0 : nil } ?? 0
        // The Fakturownia simulator runs beside it, on a port also kept from one run to the next.
        let fakturownia = FakturowniaSandbox(logger: Logger(label: "folio.sandbox.fakturownia"))
        let fakturowniaPortFile = state.appendingPathComponent("fakturownia-sandbox.port")
        let fakturowniaRemembered = (try? String(contentsOf: fakturowniaPortFile, encoding: .utf8)).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let fakturowniaPort = fakturowniaRemembered.flatMap { Self.isFree($0) ? $0 : nil } ?? 0
        try await fakturownia.withRunningServer(port: fakturowniaPort) { fakturowniaURL in
            try? Data("\(fakturowniaURL.port ?? fakturowniaPort)\n".utf8).write(to: fakturowniaPortFile)
            try await sandbox.withRunningServer(port: port) { url in
                try? Data("\(url.port ?? port)\n".utf8).write(to: portFile)
                // Payment links then open the sandbox's own payment page, so a guest's payment can be
                // played in a browser.
                await sandbox.servePaymentPages(at: url)
                var configuration = loaded
                configuration.invoiceboxBaseURL = url
                // Fakturownia accounts live on the simulator too, unless a brand's address is configured.
                if environment["FOLIO_FAKTUROWNIA_ACCOUNT_URL"]?.isEmpty ?? true {
                    let simulator = FakturowniaConfiguration()
                    configuration.fakturownia.accountURLTemplate = fakturowniaURL.absoluteString + "/{prefix}"
                    configuration.fakturownia.partnerPrefix = simulator.partnerPrefix
                    configuration.fakturownia.partnerToken = Secret(simulator.partnerAPIToken)
                    configuration.fakturownia.integrationToken = Secret(simulator.integrationToken)
                }
                try await Self.serve(
                    configuration, metrics: metrics, sandboxURL: url, fakturowniaSandboxURL: fakturowniaURL, stateDirectory: state, platformKey: platformKey
                ) { components in
                    await Self.reintroduceShops(to: sandbox, at: url, from: components)
                }
            }
        }
    }

    static func serve(
        _ configuration: FolioConfiguration, metrics: PrometheusCollectorRegistry, sandboxURL: URL?, fakturowniaSandboxURL: URL? = nil,
        stateDirectory state: URL, platformKey: String,
        prepare: (@Sendable (FolioComponents) async -> Void)? = nil
    ) async throws {
        let base = "http://\(configuration.httpHost):\(configuration.httpPort)"
        let sandboxLine =
            sandboxURL.map { "Invoicebox sandbox at \($0.absoluteString) (admin API under /__sandbox/)" }
            ?? "Invoicebox at \(configuration.invoiceboxBaseURL.absoluteString)"
        let fakturowniaPartner = FakturowniaConfiguration()
        let fakturowniaLine =
            fakturowniaSandboxURL.map {
                "Fakturownia sandbox at \($0.absoluteString) (accounts at /<prefix>, control API under /__sandbox/; "
                    + "partner account \($0.absoluteString)/\(fakturowniaPartner.partnerPrefix), api_token \(fakturowniaPartner.partnerAPIToken), "
                    + "integration_token \(fakturowniaPartner.integrationToken))"
            } ?? ""
        let demo = DemoHostConfiguration(platformKey: Secret(platformKey), sandboxURL: sandboxURL)
        try await FolioServer.run(configuration: configuration, metrics: metrics, migrate: true, demoHost: demo) { components in
            await prepare?(components)
            // Written straight to the file descriptor: `print` is block-buffered when standard
            // output is a file or a pipe, and the banner would show up only at exit.
            FileHandle.standardOutput.write(
                Data(
                    """

                    Folio is running at \(base)
                    Demo host page (two hotels, the embeddable components): \(base)/demo
                    \(sandboxLine)
                    \(fakturowniaLine)
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

    /// The sandbox keeps its shops in memory only; the development database remembers the shops
    /// connected to it in earlier runs. Each is introduced to the new sandbox again, with its token
    /// and notification key, so that they keep working (their orders are gone).
    static func reintroduceShops(to sandbox: InvoiceboxSandbox, at url: URL, from components: FolioComponents) async {
        let logger = Logger(label: "folio.dev")
        do {
            let rows = try await components.database.query(
                "SELECT tenant_id FROM folio.tenant_invoicing WHERE state = 'active' AND base_url = \(url.absoluteString)",
                logger: logger
            )
            var count = 0
            for try await tenantID in rows.decode(UUID.self) {
                let tenant = TenantID(tenantID)
                let shop = try await components.invoicing.shop(of: tenant, actor: "folio-dev:sandbox-restart")
                let notification = try await components.invoicing.notificationSettings(of: tenant)
                let key = notification?.keys.first { !$0.isPrevious }?.key
                await sandbox.state.addMerchant(
                    id: shop.merchantID, token: shop.token.revealed, notificationKey: key?.secret.revealed,
                    notificationAlgorithm: key.flatMap { SandboxSignatureAlgorithm(rawValue: $0.algorithm.rawValue) }
                )
                count += 1
            }
            if count > 0 { logger.info("shops of earlier runs introduced to the sandbox again", metadata: ["shops": "\(count)"]) }
        } catch {
            logger.warning("could not introduce earlier shops to the sandbox", metadata: ["error": "\(error)"])
        }
    }

    static func isFree(_ port: Int) -> Bool {
        guard (1...65535).contains(port) else { return false }
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
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
