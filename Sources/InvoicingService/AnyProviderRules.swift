import FolioDomain
import PaymentsPort

/// What any provider Folio knows would take: every currency, VAT code and language, and no
/// provider attribute checked. For checking a body before its tenant's provider is known; the
/// provider's own `OrderRules` decide afterwards.
struct AnyProviderRules: OrderRules {
    var currencies: Set<Currency> { Set(Currency.allCases) }
    var vatCodes: Set<VATCode> { Set(VATCode.allCases) }
    var languages: Set<String> { ["ru", "en", "pl"] }
    func violations(of line: OrderLine, pointer: String) -> [FieldViolation] { [] }
    func violations(of payer: OrderCustomer, pointer: String) -> [FieldViolation] { [] }
}
