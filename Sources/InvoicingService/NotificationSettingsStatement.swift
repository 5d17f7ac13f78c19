import FolioDomain
import PaymentsPort
import PostgresNIO
import TokenVault

/// The statement every provider notification runs first (`InvoicingSetup.notificationSettings`):
/// the shop's settings with its notification keys and its sealed token, one row per secret. A
/// type, so that it can be prepared once per connection.
struct NotificationSettingsStatement: PostgresPreparedStatement {
    typealias Row = PostgresRow

    // One join on the purposes wanted: joining the settings to each secret in turn gave the
    // planner four relations, which cost more than running the statement.
    static let sql = """
        SELECT coalesce(settings.notification_key_algorithm, $2),
            settings.previous_notification_key_algorithm, secret.purpose,
            settings.merchant_id, settings.api_prefix, settings.base_url, settings.provider,
            \(SecretVault.sealedColumns(of: "secret"))
        FROM folio.tenant_invoicing AS settings
        LEFT JOIN folio.vault_secrets AS secret ON secret.tenant_id = settings.tenant_id AND (
            secret.purpose = \(InvoicingSetup.tokenPurposeOfSettings)
            OR (settings.has_notification_key AND secret.purpose = $3)
            OR (settings.previous_notification_key_valid_until > now() AND secret.purpose = $4))
        WHERE settings.tenant_id = $1 AND settings.state = 'active'
        """

    var tenant: TenantID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenant.rawValue)
        bindings.append(NotificationKey.Algorithm.standard.rawValue)
        bindings.append(InvoicingSetup.notificationKeyPurpose.rawValue)
        bindings.append(InvoicingSetup.previousNotificationKeyPurpose.rawValue)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
