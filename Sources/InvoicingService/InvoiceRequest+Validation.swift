import FolioDomain
import Foundation
import PaymentsPort

extension InvoiceRequest {
    static let maximumItems = BasketError.maximumLines
    /// An expiry closer than this could pass before the guest opens the page.
    static let shortestExpiry: TimeInterval = 60
    static let longestExpiry: TimeInterval = 366 * 24 * 3600
    /// The provider's limit for `merchantOrderIdVisible` in a new order (invoicebox-api.md §9.1).
    package static let displayNumberLengths = 1...256

    /// Every rule the request breaks, each naming its field by JSON pointer: the service's own,
    /// and the provider's `rules` for the attributes only it interprets. Nothing is sent to the
    /// provider or stored unless this is empty.
    package func violations(maximumAmount: Int64, rules: any OrderRules, now: Date = Date()) -> [FieldViolation] {
        var found: [FieldViolation] = []
        found += FieldViolation.checkIdentifier(reservationID, pointer: "/reservationId", lengths: 1...128)
        found += FieldViolation.checkText(description, pointer: "/description", lengths: 1...1000)
        if let displayNumber {
            // The guest reads it on the payment page, so it must be visible: no invisible characters, not only spaces.
            let problems = FieldViolation.checkIdentifier(displayNumber, pointer: "/displayNumber", lengths: Self.displayNumberLengths)
            if problems.isEmpty, displayNumber.allSatisfy({ $0 == " " }) {
                found.append(FieldViolation(pointer: "/displayNumber", code: "invalid_characters", detail: "must not be only spaces"))
            }
            found += problems
        }
        if let language, !rules.languages.contains(language) {
            found.append(FieldViolation(pointer: "/language", code: "unsupported", detail: "must be \(rules.languages.sorted().joined(separator: " or "))"))
        }
        if !rules.currencies.contains(currency) {
            found.append(
                FieldViolation(
                    pointer: "/currency", code: "unsupported",
                    detail: "the tenant's provider takes \(rules.currencies.map(\.rawValue).sorted().joined(separator: ", "))"))
        }
        found += customer.violations(rules: rules)
        found += itemViolations(maximumAmount: maximumAmount, rules: rules)
        if let reservation {
            found += reservation.violations()
        }
        if let expiresAt {
            if expiresAt.timeIntervalSince(now) < Self.shortestExpiry {
                found.append(FieldViolation(pointer: "/expiresAt", code: "too_soon", detail: "must be at least a minute in the future"))
            } else if expiresAt.timeIntervalSince(now) > Self.longestExpiry {
                found.append(FieldViolation(pointer: "/expiresAt", code: "too_late", detail: "must be within a year"))
            }
        }
        for (url, pointer) in [(successURL, "/successUrl"), (failURL, "/failUrl"), (returnURL, "/returnUrl")] {
            if let url, let violation = FieldViolation.checkWebURL(url, pointer: pointer) { found.append(violation) }
        }
        return found
    }

    private func itemViolations(maximumAmount: Int64, rules: any OrderRules) -> [FieldViolation] {
        guard (1...Self.maximumItems).contains(items.count) else {
            return [FieldViolation(pointer: "/items", code: items.isEmpty ? "too_short" : "too_long", detail: "must have 1 to \(Self.maximumItems) items")]
        }
        var found: [FieldViolation] = []
        for (index, (item, basket)) in zip(items, basketLines).enumerated() {
            found += item.violations(pointer: "/items/\(index)", rules: rules, line: item.orderLine(basket))
        }
        guard found.isEmpty else { return found }
        // Each factor is within its bounds, so each line's product fits in 64 bits; the sum is
        // checked line by line against the ceiling, so it can never grow past it.
        var total = MinorUnits.zero
        for item in items {
            guard let line = MinorUnits(item.unitPrice).multiplied(by: item.quantity),
                let sum = total.adding(line), sum.value <= maximumAmount
            else {
                found.append(
                    FieldViolation(
                        pointer: "/items", code: "amount_too_large",
                        detail: "the invoice total must not exceed \(MinorUnits(maximumAmount)) (in minor units \(maximumAmount))"))
                break
            }
            total = sum
        }
        let skus = items.indices.map(sku(of:))
        if Set(skus).count != skus.count {
            found.append(FieldViolation(pointer: "/items", code: "duplicate_sku", detail: "each item needs its own sku"))
        }
        return found
    }
}

extension OrderCustomer {
    /// The generic contact checks here; the tax identity and what the receipt needs are the
    /// provider's `rules`.
    func violations(rules: any OrderRules) -> [FieldViolation] {
        var found: [FieldViolation] = []
        if let name { found += FieldViolation.checkText(name, pointer: "/customer/name", lengths: 1...500) }
        if let phone, !(phone.count >= 5 && phone.count <= 20 && phone.allSatisfy { $0.isASCII && $0.isNumber }) {
            found.append(FieldViolation(pointer: "/customer/phone", code: "invalid_format", detail: "must be 5 to 20 digits, e.g. 79161234567"))
        }
        if let email, let violation = FieldViolation.checkEmail(email, pointer: "/customer/email") { found.append(violation) }
        found += rules.violations(of: self, pointer: "/customer")
        return found
    }
}

extension InvoiceRequest.Item {
    /// `line` is this item as the provider sees it, for the provider's `rules`.
    func violations(pointer: String, rules: any OrderRules, line: OrderLine) -> [FieldViolation] {
        var found: [FieldViolation] = []
        if let sku { found += FieldViolation.checkIdentifier(sku, pointer: pointer + "/sku", lengths: 1...500) }
        found += FieldViolation.checkText(name, pointer: pointer + "/name", lengths: 1...500)
        if !BasketError.quantities.contains(quantity) {
            found.append(
                FieldViolation(pointer: pointer + "/quantity", code: "out_of_range", detail: "must be between 1 and \(BasketError.quantities.upperBound)"))
        }
        if !BasketError.unitPrices.contains(unitPrice) {
            found.append(
                FieldViolation(
                    pointer: pointer + "/unitPrice", code: "out_of_range", detail: "must be between 1 and \(BasketError.unitPrices.upperBound) minor units"))
        }
        if !rules.vatCodes.contains(vatCode) {
            found.append(
                FieldViolation(
                    pointer: pointer + "/vatCode", code: "unsupported",
                    detail: "the tenant's provider takes \(rules.vatCodes.map(\.rawValue).sorted().joined(separator: ", "))"))
        }
        found += rules.violations(of: line, pointer: pointer)
        if let serviceDate, CalendarDate.parse(serviceDate) == nil {
            found.append(FieldViolation(pointer: pointer + "/serviceDate", code: "invalid_format", detail: "must be a date YYYY-MM-DD"))
        }
        return found
    }
}

extension InvoiceRequest.Reservation {
    func violations() -> [FieldViolation] {
        var found: [FieldViolation] = []
        let texts: [(String?, String, Int)] = [
            (propertyName, "propertyName", 500), (streetAddress, "streetAddress", 500), (locality, "locality", 200),
            (region, "region", 200), (postalCode, "postalCode", 20), (guestName, "guestName", 500),
        ]
        for (value, name, limit) in texts {
            if let value { found += FieldViolation.checkText(value, pointer: "/reservation/\(name)", lengths: 1...limit) }
        }
        if let country, !(country.count == 2 && country.allSatisfy { $0.isASCII && $0.isUppercase }) {
            found.append(FieldViolation(pointer: "/reservation/country", code: "invalid_format", detail: "must be an ISO 3166 alpha-2 code such as RU"))
        }
        let checkInDate = checkIn.flatMap(CalendarDate.parse)
        let checkOutDate = checkOut.flatMap(CalendarDate.parse)
        if checkIn != nil, checkInDate == nil {
            found.append(FieldViolation(pointer: "/reservation/checkIn", code: "invalid_format", detail: "must be a date YYYY-MM-DD"))
        }
        if checkOut != nil, checkOutDate == nil {
            found.append(FieldViolation(pointer: "/reservation/checkOut", code: "invalid_format", detail: "must be a date YYYY-MM-DD"))
        }
        if let checkInDate, let checkOutDate, checkOutDate <= checkInDate {
            found.append(FieldViolation(pointer: "/reservation/checkOut", code: "before_check_in", detail: "must be after the check-in date"))
        }
        return found
    }
}

extension FieldViolation {
    /// An absolute http or https URL of at most 1000 characters (the provider's limit).
    package static func checkWebURL(_ value: String, pointer: String) -> FieldViolation? {
        guard value.count <= 1000, let components = URLComponents(string: value),
            let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = components.host, !host.isEmpty
        else {
            return FieldViolation(pointer: pointer, code: "invalid_format", detail: "must be an absolute http(s) URL of at most 1000 characters")
        }
        return nil
    }
}
