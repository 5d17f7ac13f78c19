import FolioDomain
import PostgresNIO

/// The statement a unit of work starts with: the tenant's row, which also points the
/// transaction's search path at the tenant's schema. Types, so that each can be prepared once per
/// connection: the statement runs before the search path is set, so its plan is kept across
/// tenants, where a statement run after it is planned again for each tenant.
///
/// Its first three columns are `schema_name`, `schema_version` and the search path set; a unit
/// that needs more of the registry first reads it in further columns of the same statement
/// (`TenantDirectory.withTenant(startingWith:_:)`), which saves the unit a round trip. Whatever
/// else such a statement writes is rolled back with the unit when the tenant has no schema yet.
package protocol TenantRowStatement: PostgresPreparedStatement where Row == PostgresRow {
    var tenant: TenantID { get }
}

extension TenantRowStatement {
    /// Declared, so that a prepared statement's parameters are never left to inference.
    package static var bindingDataTypes: [PostgresDataType] { [.uuid] }

    /// The tenant's id as `$1`, the only parameter of the directory's own statements.
    package func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenant.rawValue)
        return bindings
    }

    package func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// For a unit that writes: `FOR KEY SHARE` keeps the tenant from being deleted meanwhile, yet lets
/// the migration runner record a new schema version on the row. A unit's own first statement
/// starts from this one (as a `WITH tenant AS (…)`), so that it locks and points the same way.
package struct LockedTenantRowStatement: TenantRowStatement {
    package static let sql = """
        SELECT schema_name, schema_version, set_config('search_path', quote_ident(schema_name), true)
        FROM folio.tenants WHERE id = $1 FOR KEY SHARE
        """

    package let tenant: TenantID
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
