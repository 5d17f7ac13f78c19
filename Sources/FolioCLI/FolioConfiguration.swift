import FolioApp
import FolioDomain
import Foundation
import Logging
import StatusUpdater
import TenantRegistry
import TokenVault

/// Everything Folio reads from its environment (DESIGN.md section 7), parsed and checked once.
package struct FolioConfiguration: Sendable {
    package var database: DatabaseURL
    package var httpHost: String
    package var httpPort: Int
    /// The base of the notification URL put into each provider order.
    package var publicBaseURL: URL
    package var platformKeys: [APIKey]
    /// Empty only for commands that never touch the vault.
    package var vaultKeys: [KeyEncryptionKey]
    package var invoiceboxBaseURL: URL
    package var invoiceboxPartnerID: String?
    package var invoiceboxPartnerToken: Secret?
    package var fakturownia = FakturowniaSettings()
    package var hostWebhookURL: URL?
    /// Signs each webhook; set whenever `hostWebhookURL` is.
    package var hostWebhookSecret: Secret?
    /// When a notification must be confirmed by reading the order from the provider.
    package var notificationConfirmation: NotificationReceiver.Confirmation
    package var logLevel: Logger.Level
    package var migrationsDirectory: URL
    package var migrationConcurrency: Int
    /// The largest invoice total accepted, in minor units.
    package var maximumInvoiceAmount: Int64
    /// The provider notification endpoint's rate limits, per replica.
    package var notificationSafeguards = NotificationReceiver.Safeguards()
    /// How many days notifications, delivered events, delivery attempts and idempotency records are kept.
    package var retentionDays = 90
    /// How often each Fakturownia account is read for changes its webhooks did not deliver.
    package var accountReconciliationInterval: Duration = .seconds(300)
    /// When set, `GET /metrics` needs it as a bearer key.
    package var metricsKey: Secret? = nil
    /// Sign and verify browser sessions; without them no session can be minted.
    package var sessionKeys: [SessionKey] = []
    /// The origins whose pages may call the API from a browser.
    package var allowedOrigins: [String] = []
    /// Where browsers reach Folio, when not at `publicBaseURL`.
    package var browserBaseURL: URL? = nil
    /// The provider's limit per client address, which every tenant's calls share, and its window.
    package var invoiceboxRequestsPerAddress = 500
    package var invoiceboxAddressWindow: Duration = .seconds(30)

    /// What a command cannot run without.
    package struct Requirements: Sendable {
        package var vaultKeys: Bool
        /// `FOLIO_PUBLIC_BASE_URL` must be set: its default, the listening address, reaches Folio
        /// only from this machine, and it goes into every order's notification URL.
        package var publicBaseURL = false

        package static let databaseOnly = Requirements(vaultKeys: false)
        package static let server = Requirements(vaultKeys: true, publicBaseURL: true)
        /// `folio dev`: the public base URL defaults to the listening address.
        package static let development = Requirements(vaultKeys: true)
        /// `folio vault …`: the keys, and no public address.
        package static let vault = Requirements(vaultKeys: true)
    }

    /// Reads the variables, after those of the file named by `FOLIO_CONFIG_FILE` (the environment
    /// wins over the file). Every problem is reported at once, each naming its variable.
    package static func load(
        environment: [String: String],
        requirements: Requirements
    ) throws(ConfigurationError) -> FolioConfiguration {
        var values = environment
        if let path = environment["FOLIO_CONFIG_FILE"], !path.isEmpty {
            guard let fileValues = ConfigurationFile.read(path: path) else {
                throw ConfigurationError(problems: ["FOLIO_CONFIG_FILE: cannot read \(path)"])
            }
            values = fileValues.merging(environment) { _, fromEnvironment in fromEnvironment }
        }
        var reader = Reader(values: values)
        let configuration = reader.configuration(requirements: requirements)
        guard reader.problems.isEmpty, let configuration else {
            throw ConfigurationError(problems: reader.problems)
        }
        return configuration
    }

    private struct Reader {
        let values: [String: String]
        var problems: [String] = []

        func value(_ name: String) -> String? {
            guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }

        mutating func configuration(requirements: Requirements) -> FolioConfiguration? {
            let database = databaseURL()
            let host = value("FOLIO_HTTP_HOST") ?? "127.0.0.1"
            let port = integer("FOLIO_HTTP_PORT", default: 8080, range: 1...65535)
            let publicBaseURL = publicBase(required: requirements.publicBaseURL, host: host, port: port)
            let platformKeys = platformKeyList()
            let vaultKeys = vaultKeyList(required: requirements.vaultKeys)
            let invoiceboxBaseURL = url("FOLIO_INVOICEBOX_BASE_URL") ?? URL(string: "https://api.invoicebox.ru")!
            let partnerID = value("FOLIO_INVOICEBOX_PARTNER_ID")
            let partnerToken = value("FOLIO_INVOICEBOX_PARTNER_TOKEN").map(Secret.init)
            if (partnerID != nil) != (partnerToken != nil) {
                problems.append("FOLIO_INVOICEBOX_PARTNER_ID and FOLIO_INVOICEBOX_PARTNER_TOKEN: set both or neither")
            }
            let webhookURL = url("FOLIO_HOST_WEBHOOK_URL")
            let webhookSecret = value("FOLIO_HOST_WEBHOOK_SECRET").map(Secret.init)
            if webhookURL != nil, webhookSecret == nil {
                problems.append("FOLIO_HOST_WEBHOOK_SECRET: is required when FOLIO_HOST_WEBHOOK_URL is set")
            }
            if let webhookSecret, WebhookSigner(secret: webhookSecret) == nil {
                problems.append("FOLIO_HOST_WEBHOOK_SECRET: a whsec_ secret must be base64 after the prefix")
            }
            var confirmation = NotificationReceiver.Confirmation.always
            if let raw = value("FOLIO_NOTIFICATION_CONFIRM") {
                if let parsed = NotificationReceiver.Confirmation(rawValue: raw) {
                    confirmation = parsed
                } else {
                    problems.append("FOLIO_NOTIFICATION_CONFIRM: must be always or unsigned")
                }
            }
            let logLevel = level()
            let migrations = URL(fileURLWithPath: value("FOLIO_MIGRATIONS_DIR") ?? "Migrations", isDirectory: true)
            let concurrency = integer("FOLIO_MIGRATION_CONCURRENCY", default: 4, range: 1...64)
            // 10,000,000.00 in the currency's main unit; far above a stay, low enough to catch a typo.
            let maximumAmount = integer("FOLIO_MAX_INVOICE_AMOUNT", default: 1_000_000_000, range: 1...Int(MinorUnits.largestInvoiceTotal))
            var safeguards = NotificationReceiver.Safeguards()
            let rateWindow = Duration.seconds(integer("FOLIO_NOTIFICATION_RATE_WINDOW_SECONDS", default: 10, range: 1...3600))
            safeguards.perTenant = RateLimit(requests: integer("FOLIO_NOTIFICATION_RATE_PER_TENANT", default: 60, range: 1...1_000_000), window: rateWindow)
            safeguards.perSource = RateLimit(requests: integer("FOLIO_NOTIFICATION_RATE_PER_SOURCE", default: 60, range: 1...1_000_000), window: rateWindow)
            // Idempotency keys are promised to last at least a day.
            let retentionDays = integer("FOLIO_RETENTION_DAYS", default: 90, range: 1...36_500)
            let metricsKey = bearerKey("FOLIO_METRICS_KEY")
            let sessionKeys = sessionKeyList()
            let allowedOrigins = originList()
            let browserBaseURL = url("FOLIO_BROWSER_BASE_URL")
            let requestsPerAddress = integer("FOLIO_INVOICEBOX_RATE_PER_ADDRESS", default: 500, range: 1...1_000_000)
            let addressWindow = Duration.seconds(integer("FOLIO_INVOICEBOX_RATE_PER_ADDRESS_WINDOW_SECONDS", default: 30, range: 1...3600))
            let accountReconciliation = Duration.seconds(integer("FOLIO_ACCOUNT_RECONCILIATION_SECONDS", default: 300, range: 10...86_400))

            guard let database, let publicBaseURL else { return nil }
            var configuration = FolioConfiguration(
                database: database,
                httpHost: host,
                httpPort: port,
                publicBaseURL: publicBaseURL,
                platformKeys: platformKeys,
                vaultKeys: vaultKeys,
                invoiceboxBaseURL: invoiceboxBaseURL,
                invoiceboxPartnerID: partnerID,
                invoiceboxPartnerToken: partnerToken,
                hostWebhookURL: webhookURL,
                hostWebhookSecret: webhookSecret,
                notificationConfirmation: confirmation,
                logLevel: logLevel,
                migrationsDirectory: migrations,
                migrationConcurrency: concurrency,
                maximumInvoiceAmount: Int64(maximumAmount),
                notificationSafeguards: safeguards,
                retentionDays: retentionDays,
                metricsKey: metricsKey,
                sessionKeys: sessionKeys,
                allowedOrigins: allowedOrigins,
                browserBaseURL: browserBaseURL
            )
            configuration.fakturownia = fakturowniaSettings()
            configuration.invoiceboxRequestsPerAddress = requestsPerAddress
            configuration.invoiceboxAddressWindow = addressWindow
            configuration.accountReconciliationInterval = accountReconciliation
            return configuration
        }

        /// FOLIO_FAKTUROWNIA_ACCOUNT_URL (an account's address with `{prefix}`), and the partner
        /// account that opens tenants' accounts: FOLIO_FAKTUROWNIA_PARTNER_PREFIX, …_PARTNER_TOKEN
        /// and …_INTEGRATION_TOKEN.
        mutating func fakturowniaSettings() -> FakturowniaSettings {
            var settings = FakturowniaSettings()
            if let template = value("FOLIO_FAKTUROWNIA_ACCOUNT_URL") {
                let example = template.replacingOccurrences(of: "{prefix}", with: "hotel")
                if !template.contains("{prefix}") || URL(string: example)?.scheme.map({ ["http", "https"].contains($0) }) != true {
                    problems.append("FOLIO_FAKTUROWNIA_ACCOUNT_URL: must be an http(s) URL with {prefix} in it, e.g. https://{prefix}.fakturownia.pl")
                } else {
                    settings.accountURLTemplate = template
                }
            }
            settings.partnerPrefix = value("FOLIO_FAKTUROWNIA_PARTNER_PREFIX")
            settings.partnerToken = value("FOLIO_FAKTUROWNIA_PARTNER_TOKEN").map(Secret.init)
            settings.integrationToken = value("FOLIO_FAKTUROWNIA_INTEGRATION_TOKEN").map(Secret.init)
            if (settings.partnerPrefix != nil) != (settings.partnerToken != nil) {
                problems.append("FOLIO_FAKTUROWNIA_PARTNER_PREFIX and FOLIO_FAKTUROWNIA_PARTNER_TOKEN: set both or neither")
            }
            return settings
        }

        mutating func databaseURL() -> DatabaseURL? {
            guard let raw = value("FOLIO_DATABASE_URL") else {
                problems.append("FOLIO_DATABASE_URL: is required (postgres://user:password@host:port/database)")
                return nil
            }
            do {
                return try DatabaseURL(raw)
            } catch {
                problems.append("FOLIO_DATABASE_URL: \(error)")
                return nil
            }
        }

        mutating func publicBase(required: Bool, host: String, port: Int) -> URL? {
            guard value("FOLIO_PUBLIC_BASE_URL") != nil || !required else {
                problems.append(
                    "FOLIO_PUBLIC_BASE_URL: is required (the https address at which Invoicebox reaches Folio; it goes into every order's notificationUrl)")
                return nil
            }
            return url("FOLIO_PUBLIC_BASE_URL") ?? URL(string: "http://\(host):\(port)")
        }

        mutating func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
            guard let raw = value(name) else { return defaultValue }
            guard let number = Int(raw), range.contains(number) else {
                problems.append("\(name): must be an integer from \(range.lowerBound) to \(range.upperBound)")
                return defaultValue
            }
            return number
        }

        mutating func url(_ name: String) -> URL? {
            guard let raw = value(name) else { return nil }
            guard let url = URL(string: raw), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                problems.append("\(name): must be an absolute http or https URL")
                return nil
            }
            return url
        }

        /// A bearer secret of 32 to 256 visible ASCII characters, as platform keys are.
        mutating func bearerKey(_ name: String) -> Secret? {
            guard let raw = value(name) else { return nil }
            guard raw.count >= 32, raw.count <= 256, raw.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                problems.append("\(name): must be 32 to 256 visible ASCII characters")
                return nil
            }
            return Secret(raw)
        }

        mutating func platformKeyList() -> [APIKey] {
            guard let raw = value("FOLIO_PLATFORM_KEYS") else { return [] }
            var keys: [APIKey] = []
            for (index, entry) in raw.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let key = entry.trimmingCharacters(in: .whitespaces)
                // Keys are bearer secrets: short or spaced ones would be guessable or mangled in headers.
                guard key.count >= 32, key.count <= 256, key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                    problems.append("FOLIO_PLATFORM_KEYS: entry \(index + 1) must be 32 to 256 visible ASCII characters")
                    continue
                }
                keys.append(APIKey(secret: key))
            }
            return keys
        }

        mutating func vaultKeyList(required: Bool) -> [KeyEncryptionKey] {
            guard let raw = value("FOLIO_VAULT_KEYS") else {
                if required { problems.append("FOLIO_VAULT_KEYS: is required (comma-separated id:base64 keys of 32 bytes)") }
                return []
            }
            switch KeyEncryptionKey.parseList(raw) {
            case .success(let keys): return keys
            case .failure(let error):
                problems += error.problems.map { "FOLIO_VAULT_KEYS: \($0)" }
                return []
            }
        }

        mutating func sessionKeyList() -> [SessionKey] {
            guard let raw = value("FOLIO_SESSION_KEYS") else { return [] }
            switch SessionTokens.parseKeys(raw) {
            case .success(let keys): return keys
            case .failure(let error):
                problems += error.problems.map { "FOLIO_SESSION_KEYS: \($0)" }
                return []
            }
        }

        /// Origins exactly as browsers send them: scheme, host and an optional port, nothing else.
        mutating func originList() -> [String] {
            guard let raw = value("FOLIO_ALLOWED_ORIGINS") else { return [] }
            var origins: [String] = []
            for (index, entry) in raw.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let origin = entry.trimmingCharacters(in: .whitespaces)
                guard let url = URL(string: origin), let scheme = url.scheme, ["http", "https"].contains(scheme), let host = url.host,
                    !host.isEmpty, url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil,
                    origin == origin.lowercased(),
                    // Browsers leave the scheme's default port out of the origin they send.
                    url.port != (scheme == "https" ? 443 : 80)
                else {
                    problems.append(
                        "FOLIO_ALLOWED_ORIGINS: entry \(index + 1) must be an origin such as https://panel.example.com (lower case, no path, no default port)")
                    continue
                }
                origins.append(origin)
            }
            return origins
        }

        mutating func level() -> Logger.Level {
            guard let raw = value("FOLIO_LOG_LEVEL") else { return .info }
            guard let level = Logger.Level(rawValue: raw.lowercased()) else {
                problems.append("FOLIO_LOG_LEVEL: must be one of trace, debug, info, notice, warning, error, critical")
                return .info
            }
            return level
        }
    }
}

/// `KEY=VALUE` lines; `#` starts a comment; values may be wrapped in double quotes.
enum ConfigurationFile {
    static func read(path: String) -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return nil
        }
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return values
    }
}
