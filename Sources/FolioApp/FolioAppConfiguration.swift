import FakturowniaAdapter
import FolioDomain
import Foundation
import InvoiceboxAdapter
import PaymentsPort
import PostgresNIO
import StatusUpdater
import TenantRegistry
import TokenVault

/// What `buildApplication` wires Folio from, with the defaults of `folio serve`. The commands
/// fill it from the environment, the tests and the benchmarks from their fixtures, so that all of
/// them run the same wiring.
package struct FolioAppConfiguration: Sendable {
    package enum Database: Sendable {
        /// A pool the application opens, runs as one of its services and closes.
        case url(DatabaseURL)
        /// A pool its caller runs and closes, and the tenants' own connections, if any, which
        /// its caller runs too.
        case running(PostgresClient, tenantConnections: TenantConnections? = nil)

        /// What the URL says; a pool the caller runs is its own test or benchmark database,
        /// reached directly.
        var preparesStatements: Bool {
            switch self {
            case .url(let url): url.preparesStatements
            case .running: true
            }
        }
    }

    /// What happens to the migrations before the server takes its first request.
    package enum MigrationsAtStart: Sendable {
        /// Apply what is pending (`folio serve`).
        case apply
        /// Only warn when something is pending (`folio serve --no-migrate`, or a database its caller migrated).
        case check
    }

    package var database: Database
    package var httpHost = "127.0.0.1"
    /// 0: any free port, reported to `onServerRunning`.
    package var httpPort = 8080
    /// The base of the notification URL put into each provider order.
    package var publicBaseURL: URL
    package var platformKeys: [APIKey] = []
    package var vaultKeys: KeyRing
    package var invoiceboxBaseURL: URL
    package var invoiceboxPartner: PartnerCredentials?
    package var invoiceboxClient = InvoiceboxClientConfiguration()
    package var fakturownia = FakturowniaSettings()
    /// How soon the same tenant may be invited again.
    package var reinviteInterval: Duration = .seconds(60)
    /// How often each ledger account (Fakturownia) is read for the changes its webhooks may not
    /// have delivered, and for documents made in the provider's application.
    package var accountReconciliationInterval: Duration = .seconds(300)
    /// Where events are delivered; without one they stay in the feed.
    package var hostWebhook: HostWebhook?
    package var notificationConfirmation: NotificationReceiver.Confirmation = .always
    package var notificationSafeguards = NotificationReceiver.Safeguards()
    /// The largest invoice total accepted, in minor units.
    package var maximumInvoiceAmount: Int64 = 1_000_000_000
    package var retentionDays = 90
    /// When set, `GET /metrics` needs it as a bearer key.
    package var metricsKey: Secret?
    /// Sign and verify browser sessions; without them `POST …/sessions` answers 503.
    package var sessionKeys: [SessionKey] = []
    /// The origins whose pages may call the API from a browser.
    package var allowedOrigins: Set<String> = []
    /// Where browsers reach Folio, when not at `publicBaseURL` (which the provider uses).
    package var browserBaseURL: URL?
    /// The demo host page at `/demo`, for `folio dev` only.
    package var demoHost: DemoHostConfiguration?
    package var migrations: MigrationSet
    package var migrationConcurrency = 4
    package var migrationsAtStart = MigrationsAtStart.apply
    /// Recovery, reconciliation, refund polling, retention and webhook delivery. Tests that
    /// drive a job by hand, at the moment they choose, leave them out.
    package var runsBackgroundJobs = true

    package init(
        database: Database,
        publicBaseURL: URL,
        vaultKeys: KeyRing,
        invoiceboxBaseURL: URL,
        migrations: MigrationSet
    ) {
        self.database = database
        self.publicBaseURL = publicBaseURL
        self.vaultKeys = vaultKeys
        self.invoiceboxBaseURL = invoiceboxBaseURL
        self.migrations = migrations
    }
}

/// How Folio reaches Fakturownia (or the InvoiceOcean and VosFactures brands of the same API).
package struct FakturowniaSettings: Sendable {
    /// An account's address with `{prefix}` in place of its prefix.
    package var accountURLTemplate = FakturowniaOnboarding.defaultAccountURLTemplate
    /// The platform's own account, on which tenants' accounts are opened; `nil` without one.
    package var partnerPrefix: String?
    package var partnerToken: Secret?
    /// The vendor's partner code, without which an opened account comes back without its token.
    package var integrationToken: Secret?
    package var client = FakturowniaGatewayConfiguration()

    package init() {}

    /// The partner account, when both its prefix and its token are set.
    var partner: FakturowniaAccountAccess? {
        guard let partnerPrefix, let partnerToken,
            let url = URL(string: accountURLTemplate.replacingOccurrences(of: "{prefix}", with: partnerPrefix))
        else { return nil }
        return FakturowniaAccountAccess(baseURL: url, apiToken: partnerToken)
    }
}
