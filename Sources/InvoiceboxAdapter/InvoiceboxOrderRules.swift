import FolioDomain
import PaymentsPort

/// What Invoicebox accepts in a line's fiscal attributes and in the payer's tax identity
/// (invoicebox-api.md §11): checked before an order is stored, so the host hears which field is
/// wrong instead of an opaque refusal after the invoice exists.
package struct InvoiceboxOrderRules: OrderRules {
    static let itemTypes: Set<String> = ["service", "commodity"]
    static let paymentTypes: Set<String> = ["full_prepayment", "prepayment", "advance", "full_payment"]
    /// Fiscal tag 1212 codes (invoicebox-api.md §11.5).
    static let fiscalSubjectCodes: Set<Int> = Set(1...27).union(30...33)

    package init() {}

    package var currencies: Set<Currency> { Set(Currency.allCases).subtracting([.pln, .czk]) }
    package var vatCodes: Set<VATCode> { VATCode.russian }
    package var languages: Set<String> { ["ru", "en"] }

    package func violations(of line: OrderLine, pointer: String) -> [FieldViolation] {
        var found: [FieldViolation] = []
        if let measure = line.measure { found += FieldViolation.checkText(measure, pointer: pointer + "/measure", lengths: 1...10) }
        if let measureCode = line.measureCode, !(1...4).contains(measureCode.count) || !measureCode.allSatisfy({ $0.isASCII && $0.isNumber }) {
            found.append(FieldViolation(pointer: pointer + "/measureCode", code: "invalid_format", detail: "must be an OKEI code of 1 to 4 digits"))
        }
        if let itemType = line.itemType, !Self.itemTypes.contains(itemType),
            !Self.fiscalSubjectCodes.contains(Int(itemType) ?? 0) || itemType.hasPrefix("0")
        {
            found.append(FieldViolation(pointer: pointer + "/itemType", code: "unsupported", detail: "must be service, commodity or a numeric fiscal code"))
        }
        if let paymentType = line.paymentType, !Self.paymentTypes.contains(paymentType) {
            found.append(
                FieldViolation(
                    pointer: pointer + "/paymentType", code: "unsupported", detail: "must be one of \(Self.paymentTypes.sorted().joined(separator: ", "))"))
        }
        return found
    }

    /// The INN and KPP formats, the registered address, and the contact the fiscal receipt needs.
    package func violations(of payer: OrderCustomer, pointer: String) -> [FieldViolation] {
        var found: [FieldViolation] = []
        if let vatNumber = payer.vatNumber, !([10, 12].contains(vatNumber.count) && vatNumber.allSatisfy { $0.isASCII && $0.isNumber }) {
            found.append(FieldViolation(pointer: pointer + "/vatNumber", code: "invalid_format", detail: "must be an INN of 10 or 12 digits"))
        }
        if let code = payer.taxRegistrationReasonCode {
            if payer.kind != .legal {
                found.append(FieldViolation(pointer: pointer + "/taxRegistrationReasonCode", code: "not_allowed", detail: "only an organisation has a KPP"))
            } else if !(code.count == 9 && code.allSatisfy { $0.isASCII && ($0.isNumber || $0.isUppercase) }) {
                found.append(FieldViolation(pointer: pointer + "/taxRegistrationReasonCode", code: "invalid_format", detail: "must be a KPP of 9 characters"))
            }
        }
        if let registrationAddress = payer.registrationAddress {
            found += FieldViolation.checkText(registrationAddress, pointer: pointer + "/registrationAddress", lengths: 1...500)
        }
        if payer.kind == .private, payer.name == nil, payer.email == nil, payer.phone == nil {
            found.append(
                FieldViolation(pointer: pointer, code: "missing_contact", detail: "a private payer needs a name, an e-mail or a phone for the receipt"))
        }
        if payer.kind == .legal, payer.vatNumber == nil {
            found.append(FieldViolation(pointer: pointer + "/vatNumber", code: "required", detail: "a legal payer needs its INN"))
        }
        return found
    }
}
