import FolioDomain

/// What a provider accepts in the attributes only it interprets: the fiscal details of a line
/// and the payer's tax identity. The service checks everything else itself, and asks these rules
/// before anything is stored or sent, so a request the provider would refuse is refused up front
/// with the field named.
package protocol OrderRules: Sendable {
    /// The currencies the provider invoices in.
    var currencies: Set<Currency> { get }
    /// The VAT codes the provider knows.
    var vatCodes: Set<VATCode> { get }
    /// The languages of the provider's payment page or document.
    var languages: Set<String> { get }
    /// The line's provider attributes (unit, classifier code, item and payment type) the provider
    /// refuses; `pointer` is the JSON pointer of the line in the host's request.
    func violations(of line: OrderLine, pointer: String) -> [FieldViolation]
    /// The payer's details the provider refuses; `pointer` is the JSON pointer of the payer in the
    /// host's request.
    func violations(of payer: OrderCustomer, pointer: String) -> [FieldViolation]
}
