import FolioDomain
import Foundation
import PaymentsPort

/// What the host changes in an unpaid invoice: each member given replaces the invoice's, each
/// left out stays. The reservation id, currency, language and display number are not editable:
/// the provider keeps them for the life of the order.
package struct InvoiceEdit: Sendable, Codable, Equatable {
    package var description: String?
    package var customer: OrderCustomer?
    package var items: [InvoiceRequest.Item]?
    package var reservation: InvoiceRequest.Reservation?
    package var expiresAt: Date?
    package var successURL: String?
    package var failURL: String?
    package var returnURL: String?

    package init(
        description: String? = nil, customer: OrderCustomer? = nil, items: [InvoiceRequest.Item]? = nil,
        reservation: InvoiceRequest.Reservation? = nil, expiresAt: Date? = nil, successURL: String? = nil, failURL: String? = nil,
        returnURL: String? = nil
    ) {
        self.description = description
        self.customer = customer
        self.items = items
        self.reservation = reservation
        self.expiresAt = expiresAt
        self.successURL = successURL
        self.failURL = failURL
        self.returnURL = returnURL
    }

    /// Whether the edit changes anything at all.
    package var isEmpty: Bool {
        self == InvoiceEdit()
    }

    /// `request` with this edit's members in place of its own.
    package func applied(to request: InvoiceRequest) -> InvoiceRequest {
        var edited = request
        if let description { edited.description = description }
        if let customer { edited.customer = customer }
        if let items { edited.items = items }
        if let reservation { edited.reservation = reservation }
        if let expiresAt { edited.expiresAt = expiresAt }
        if let successURL { edited.successURL = successURL }
        if let failURL { edited.failURL = failURL }
        if let returnURL { edited.returnURL = returnURL }
        return edited
    }

    /// Every rule the edited invoice breaks, judged as a whole as a new one would be. The expiry
    /// is judged only when the edit sets it: an invoice whose deadline is near may still have its
    /// lines corrected.
    package func violations(of edited: InvoiceRequest, maximumAmount: Int64, rules: any OrderRules, now: Date = Date()) -> [FieldViolation] {
        guard !isEmpty else {
            return [FieldViolation(pointer: "", code: "no_changes", detail: "name at least one member to change")]
        }
        let found = edited.violations(maximumAmount: maximumAmount, rules: rules, now: now)
        return expiresAt == nil ? found.filter { $0.pointer != "/expiresAt" } : found
    }
}
