import FolioDomain
import Foundation
import PostgresNIO
import TenantRegistry
import TokenVault

/// The first statement of an invoice's first commit (`InvoiceBook.recordPending`): the tenant's
/// row, which sets the unit's search path, with the shop's settings and its sealed token read,
/// the token read's audit row, and the invoice's place in the recovery queue. One statement
/// rather than two: a round trip less per create, and a plan PostgreSQL keeps for every tenant.
///
/// The settings row and the token's row are held `FOR KEY SHARE` from the moment they are read
/// (as `InvoicingSetup.holdShop` explains). Its row has the tenant's three columns, then the
/// shop's nine as `InvoicingSetup.shopCredentials(of:inLastColumnsOf:)` reads them, all NULL when
/// invoicing is not active; the audit and queue rows are then not written.
struct CreationTenantRowStatement: TenantRowStatement {
    static let sql = """
        WITH tenant AS (\(LockedTenantRowStatement.sql)), settings AS (
            SELECT merchant_id, api_prefix, base_url, provider FROM folio.tenant_invoicing
            WHERE tenant_id = $1 AND state = 'active' FOR KEY SHARE
        ), sealed AS (
            SELECT \(InvoicingSetup.sealedTokenColumns) FROM folio.vault_secrets, settings
            WHERE tenant_id = $1 AND purpose = \(InvoicingSetup.tokenPurposeOfSettings) FOR KEY SHARE OF vault_secrets
        ), audited AS (
            INSERT INTO folio.vault_audit (tenant_id, purpose, action, actor, kek_id)
            SELECT $1, purpose, $2, $3, kek_id FROM sealed
        ), queued AS (
            INSERT INTO folio.pending_creations (tenant_id, resource_id, kind, due_at)
            SELECT $1, $4, $5, now() + $6 * interval '1 second' FROM sealed
        )
        SELECT tenant.*, shop.*
        FROM tenant LEFT JOIN (
            SELECT merchant_id, api_prefix, base_url, provider, \(SecretVault.sealedColumns) FROM settings, sealed
        ) AS shop ON true
        """

    let tenant: TenantID
    /// Who reads the token, for its audit row.
    let actor: String
    /// The invoice to be queued for recovery.
    let invoiceID: UUID
    let kind: String
    /// Seconds until the recovery job may finish the invoice.
    let recoveryDelay: Int

    static var bindingDataTypes: [PostgresDataType] { [.uuid, .text, .text, .uuid, .text, .int8] }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenant.rawValue)
        bindings.append(SecretVault.auditedReadAction)
        bindings.append(actor)
        bindings.append(invoiceID)
        bindings.append(kind)
        bindings.append(recoveryDelay)
        return bindings
    }
}
