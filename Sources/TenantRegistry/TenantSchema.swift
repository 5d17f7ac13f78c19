/// A tenant's schema, for statements that name its tables directly instead of relying on the
/// search path.
package struct TenantSchema: Sendable, Equatable {
    package let name: String

    /// The table, qualified and quoted: `"t_0123…".invoices`. `table` is one of Folio's own names,
    /// never input.
    package func table(_ table: StaticString) -> String {
        quotedIdentifier(name) + "." + "\(table)"
    }
}
