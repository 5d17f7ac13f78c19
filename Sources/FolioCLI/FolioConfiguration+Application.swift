import FolioApp
import InvoiceboxAdapter
import PaymentsPort
import StatusUpdater
import TenantRegistry
import TokenVault

extension FolioConfiguration {
    /// What `buildApplication` needs from this configuration.
    func application(migrations: MigrationSet, vaultKeys: KeyRing, migrate: Bool) -> FolioAppConfiguration {
        var application = FolioAppConfiguration(
            database: .url(database),
            publicBaseURL: publicBaseURL,
            vaultKeys: vaultKeys,
            invoiceboxBaseURL: invoiceboxBaseURL,
            migrations: migrations
        )
        application.httpHost = httpHost
        application.httpPort = httpPort
        application.platformKeys = platformKeys
        if let invoiceboxPartnerID, let invoiceboxPartnerToken {
            application.invoiceboxPartner = PartnerCredentials(
                partnerID: invoiceboxPartnerID, token: invoiceboxPartnerToken, baseURL: invoiceboxBaseURL
            )
        }
        if let hostWebhookURL, let hostWebhookSecret, let signer = WebhookSigner(secret: hostWebhookSecret) {
            application.hostWebhook = HostWebhook(url: hostWebhookURL, signer: signer)
        }
        application.notificationConfirmation = notificationConfirmation
        application.notificationSafeguards = notificationSafeguards
        application.maximumInvoiceAmount = maximumInvoiceAmount
        application.retentionDays = retentionDays
        application.accountReconciliationInterval = accountReconciliationInterval
        application.metricsKey = metricsKey
        application.sessionKeys = sessionKeys
        application.allowedOrigins = Set(allowedOrigins)
        application.browserBaseURL = browserBaseURL
        application.fakturownia = fakturownia
        application.invoiceboxClient.requestsPerAddress = invoiceboxRequestsPerAddress
        application.invoiceboxClient.addressWindow = invoiceboxAddressWindow
        application.migrationConcurrency = migrationConcurrency
        application.migrationsAtStart = migrate ? .apply : .check
        return application
    }
}
