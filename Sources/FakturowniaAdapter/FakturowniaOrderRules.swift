import FolioDomain
import PaymentsPort

/// What Fakturownia accepts in a line's attributes and in the payer's tax identity: checked before
/// an invoice is stored, so the host hears which field is wrong before a numbered tax document
/// exists. The fiscal attributes of Russian receipts (item and payment type, OKEI code, KPP) have
/// no place on a Polish VAT invoice and are refused rather than silently dropped.
package struct FakturowniaOrderRules: OrderRules {
    /// The prefixes of EU VAT numbers (VIES): Greece is `EL`, Northern Ireland `XI`.
    static let euVATPrefixes: Set<String> = [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT",
        "RO", "SE", "SI", "SK", "XI",
    ]
    /// The weights of the NIP check digit: `Σ dᵢ·wᵢ mod 11` is the tenth digit (10 never is).
    static let nipWeights = [6, 5, 7, 2, 3, 4, 5, 6, 7]

    package init() {}

    /// Fakturownia invoices in any currency (with its own exchange-rate handling), so every one Folio has.
    package var currencies: Set<Currency> { Set(Currency.allCases) }
    package var vatCodes: Set<VATCode> { VATCode.polish }
    package var languages: Set<String> { ["pl", "en"] }

    package func violations(of line: OrderLine, pointer: String) -> [FieldViolation] {
        var found: [FieldViolation] = []
        if let measure = line.measure { found += FieldViolation.checkText(measure, pointer: pointer + "/measure", lengths: 1...20) }
        let receiptOnly: [(String, String?)] = [("measureCode", line.measureCode), ("itemType", line.itemType), ("paymentType", line.paymentType)]
        for (name, value) in receiptOnly where value != nil {
            found.append(
                FieldViolation(
                    pointer: pointer + "/" + name, code: "not_allowed",
                    detail: "is a fiscal receipt attribute of Invoicebox; a Fakturownia VAT invoice has no such field"))
        }
        return found
    }

    package func violations(of payer: OrderCustomer, pointer: String) -> [FieldViolation] {
        var found: [FieldViolation] = []
        if (payer.name ?? "").allSatisfy(\.isWhitespace) {
            let who = payer.kind == .legal ? "a business payer needs its company name" : "a private payer needs a name"
            found.append(FieldViolation(pointer: pointer + "/name", code: "required", detail: who + " on the invoice"))
        }
        if let vatNumber = payer.vatNumber {
            if payer.kind == .private {
                found.append(
                    FieldViolation(
                        pointer: pointer + "/vatNumber", code: "not_allowed", detail: "a private payer has no tax number; a business is a legal payer"))
            } else if let problem = Self.taxNumberProblem(vatNumber) {
                found.append(FieldViolation(pointer: pointer + "/vatNumber", code: problem.code, detail: problem.detail))
            }
        }
        if payer.taxRegistrationReasonCode != nil {
            found.append(
                FieldViolation(
                    pointer: pointer + "/taxRegistrationReasonCode", code: "not_allowed", detail: "a KPP is a Russian tax code; a Polish invoice has none"))
        }
        return found
    }

    /// The tax number as it goes on the invoice: a Polish NIP as its ten digits, an EU VAT
    /// number with its country prefix, both without spaces and dashes; nil when it is neither.
    static func normalizedTaxNumber(_ text: String) -> String? {
        taxNumberProblem(text) == nil ? canonical(text) : nil
    }

    /// Why a tax number is not a Polish NIP (10 digits, optional `PL`, valid check digit) nor an
    /// EU VAT number (a member state's prefix and 2 to 13 letters or digits); nil when it is one.
    /// The detail never repeats the value.
    static func taxNumberProblem(_ text: String) -> (code: String, detail: String)? {
        let format = (code: "invalid_format", detail: "must be a Polish NIP (10 digits, optionally PL-prefixed) or an EU VAT number")
        let compact = compacted(text)
        guard compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return format }
        // Poland's own prefix always means a NIP, whatever follows it.
        if compact.hasPrefix("PL") || compact.allSatisfy(\.isNumber) {
            let digits = compact.hasPrefix("PL") ? String(compact.dropFirst(2)) : compact
            guard digits.count == 10, digits.allSatisfy(\.isNumber) else { return format }
            return isValidNIP(digits) ? nil : (code: "invalid_checksum", detail: "is not a valid NIP: its check digit does not match")
        }
        let prefix = String(compact.prefix(2))
        let rest = compact.dropFirst(2)
        guard Self.euVATPrefixes.contains(prefix), (2...13).contains(rest.count) else { return format }
        return nil
    }

    static func isValidNIP(_ digits: String) -> Bool {
        let values = digits.compactMap(\.wholeNumberValue)
        guard values.count == 10 else { return false }
        let sum = zip(values, nipWeights).reduce(0) { $0 + $1.0 * $1.1 }
        return sum % 11 == values[9]
    }

    private static func compacted(_ text: String) -> String {
        text.uppercased().filter { $0 != " " && $0 != "-" }
    }

    private static func canonical(_ text: String) -> String {
        let compact = compacted(text)
        let digits = compact.hasPrefix("PL") ? String(compact.dropFirst(2)) : compact
        return digits.count == 10 && digits.allSatisfy(\.isNumber) ? digits : compact
    }
}
