import FolioDomain
import PostgresNIO

/// The statement every unit of work starts with: the tenant's row, which also points the
/// transaction's search path at the tenant's schema. Types, so that each can be prepared once per
/// connection: the statement runs before the search path is set, so its plan is kept across
/// tenants, where a statement run after it is planned again for each tenant.
///
/// Both answer `schema_name`, `schema_version` and the search path set.
protocol TenantRowStatement: PostgresPreparedStatement where Row == PostgresRow {
    var tenant: TenantID { get }
}

extension TenantRowStatement {
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenant.rawValue)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// For a unit that writes: `FOR KEY SHARE` keeps the tenant from being deleted meanwhile, yet lets
/// the migration runner record a new schema version on the row.
struct LockedTenantRowStatement: TenantRowStatement {
    static let sql = """
        SELECT schema_name, schema_version, set_config('search_path', quote_ident(schema_name), true)
        FROM folio.tenants WHERE id = $1 FOR KEY SHARE
        """

    let tenant: TenantID
}

/// For a unit that only reads: no lock, and the template while the tenant has no schema.
struct ReadTenantRowStatement: TenantRowStatement {
    static let sql = """
        SELECT schema_name, schema_version, set_config('search_path', quote_ident(
            CASE WHEN schema_version IS NULL THEN \(TenantSchemaProvisioning.literal(TenantSchema.template.name)) ELSE schema_name END), true)
        FROM folio.tenants WHERE id = $1
        """

    let tenant: TenantID
}
