/// A tenant's schema, for statements that name its tables directly instead of relying on the
/// search path.
package struct TenantSchema: Sendable, Equatable {
    package let name: String

    /// Where a tenant's reads go until its first write makes its own schema: a schema built from
    /// the same tenant files, whose tables refuse every row (`TenantSchemaTemplate`), so each
    /// read answers what an empty schema would.
    package static let template = TenantSchema(name: "folio_tenant_template")

    /// The table, qualified and quoted: `"t_0123…".invoices`. `table` is one of Folio's own names,
    /// never input.
    package func table(_ table: StaticString) -> String {
        quotedIdentifier(name) + "." + "\(table)"
    }
}
