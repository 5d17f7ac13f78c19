import PaymentsPort

extension InvoiceboxError {
    /// `error.fields` as the reference documents it (an array of `{name, code, message}`), or in
    /// the shapes it is unsure of: an object keyed by field name whose values are a message, a
    /// list of messages or a `{code, message}` object; an array of names. Anything else is no field.
    static func decodeFields(_ raw: Any?) -> [FieldError] {
        switch raw {
        case let list as [Any]:
            return list.compactMap { entry -> FieldError? in
                if let name = entry as? String { return FieldError(name: name, code: nil, message: nil) }
                guard let object = entry as? [String: Any],
                    let name = (object["name"] ?? object["field"] ?? object["path"]) as? String
                else { return nil }
                return FieldError(name: name, code: object["code"] as? String, message: object["message"] as? String)
            }
        case let map as [String: Any]:
            return map.keys.sorted().map { name in
                switch map[name] {
                case let message as String:
                    FieldError(name: name, code: nil, message: message)
                case let messages as [Any]:
                    FieldError(name: name, code: nil, message: messages.compactMap { $0 as? String }.first)
                case let object as [String: Any]:
                    FieldError(name: name, code: object["code"] as? String, message: object["message"] as? String)
                default:
                    FieldError(name: name, code: nil, message: nil)
                }
            }
        default:
            return []
        }
    }

    /// The part of the order draft a field of the create-order body (invoicebox-api.md §9.1) was
    /// built from, as `OrderWireFormat.createOrder` builds it. Paths are read as
    /// `basketItems[0].amount`, `basketItems.0.amount` or `basketItems/0/amount`.
    static func draftField(ofOrderField name: String) -> PaymentError.DraftField? {
        let parts = name.split(whereSeparator: { "[]./".contains($0) }).map(String.init)
        switch parts.count {
        case 1:
            switch parts[0] {
            case "amount", "vatAmount": return .totals
            case "currencyId": return .currency
            case "languageId": return .language
            case "expirationDate": return .expiry
            case "description": return .description
            default: return nil
            }
        case 2 where parts[0] == "customer":
            let attribute: PaymentError.DraftField.CustomerAttribute? =
                parts[1] == "type" ? .kind : PaymentError.DraftField.CustomerAttribute(rawValue: parts[1])
            return attribute.map { .customer($0) }
        case 3 where parts[0] == "basketItems":
            guard let index = Int(parts[1]), index >= 0 else { return nil }
            let attribute: PaymentError.DraftField.LineAttribute?
            switch parts[2] {
            // Every figure of a line is derived from its unit price (and quantity).
            case "amount", "amountWoVat", "totalAmount", "totalVatAmount": attribute = .unitPrice
            case "type": attribute = .itemType
            default: attribute = PaymentError.DraftField.LineAttribute(rawValue: parts[2])
            }
            return attribute.map { .line(index: index, $0) }
        default:
            return nil
        }
    }
}
