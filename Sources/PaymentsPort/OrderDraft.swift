import FolioDomain
import Foundation

/// The payer named in an order.
package struct OrderCustomer: Sendable, Equatable, Codable {
    package enum Kind: String, Sendable, Codable {
        /// An individual: pays online.
        case `private`
        /// An organisation or sole proprietor: may pay by invoice.
        case legal
    }

    package var kind: Kind
    package var name: String?
    package var phone: String?
    package var email: String?
    /// INN.
    package var vatNumber: String?
    /// KPP, for organisations only.
    package var taxRegistrationReasonCode: String?
    package var registrationAddress: String?

    package init(
        kind: Kind, name: String? = nil, phone: String? = nil, email: String? = nil, vatNumber: String? = nil, taxRegistrationReasonCode: String? = nil,
        registrationAddress: String? = nil
    ) {
        self.kind = kind
        self.name = name
        self.phone = phone
        self.email = email
        self.vatNumber = vatNumber
        self.taxRegistrationReasonCode = taxRegistrationReasonCode
        self.registrationAddress = registrationAddress
    }
}

/// A basket line with the fiscal attributes the host gave besides its money. An attribute left
/// out is filled in by the provider's adapter with that provider's default for a room night.
package struct OrderLine: Sendable, Equatable {
    package var basket: BasketLineRequest
    /// The unit's sign and its national classifier code.
    package var measure: String?
    package var measureCode: String?
    /// What is sold, in the fiscal vocabulary (a service, a commodity, …).
    package var itemType: String?
    /// How it is paid for (in full in advance, a prepayment, …).
    package var paymentType: String?
    /// `YYYY-MM-DD`, when the service is rendered.
    package var serviceDate: String?

    package init(
        basket: BasketLineRequest, measure: String? = nil, measureCode: String? = nil, itemType: String? = nil, paymentType: String? = nil,
        serviceDate: String? = nil
    ) {
        self.basket = basket
        self.measure = measure
        self.measureCode = measureCode
        self.itemType = itemType
        self.paymentType = paymentType
        self.serviceDate = serviceDate
    }
}

/// The stay an order pays for.
package struct LodgingReservation: Sendable, Equatable {
    package var reservationID: String
    package var propertyName: String?
    package var streetAddress: String?
    package var locality: String?
    package var region: String?
    package var postalCode: String?
    package var country: String?
    package var guestName: String?
    package var checkIn: Date?
    package var checkOut: Date?

    package init(
        reservationID: String, propertyName: String? = nil, streetAddress: String? = nil, locality: String? = nil, region: String? = nil,
        postalCode: String? = nil, country: String? = nil, guestName: String? = nil, checkIn: Date? = nil, checkOut: Date? = nil
    ) {
        self.reservationID = reservationID
        self.propertyName = propertyName
        self.streetAddress = streetAddress
        self.locality = locality
        self.region = region
        self.postalCode = postalCode
        self.country = country
        self.guestName = guestName
        self.checkIn = checkIn
        self.checkOut = checkOut
    }
}

/// The document an order starts as.
package enum OrderDocumentKind: String, Sendable, Equatable, Codable {
    /// The provider's own: a payment order (Invoicebox), a VAT invoice (Fakturownia).
    case invoice
    /// A request for a prepayment, which is no tax document: the tax invoice is issued from it
    /// once it is paid (`PaymentProvider.issueTaxInvoice`). Only with `ProviderCapabilities.proformas`.
    case proforma

    /// The merchant order id of the tax invoice issued from the proforma of Folio's invoice
    /// `invoiceID`: that id with a fixed suffix, so that it is unique in the account beside the
    /// proforma's, found again after a lost answer, and traced back to its invoice.
    package static func taxInvoiceMerchantOrderID(of invoiceID: UUID) -> String {
        invoiceID.uuidString.lowercased() + taxInvoiceSuffix
    }

    /// The invoice whose tax invoice `merchantOrderID` names; nil for any other id.
    package static func invoiceID(ofTaxInvoice merchantOrderID: String) -> UUID? {
        guard merchantOrderID.hasSuffix(taxInvoiceSuffix) else { return nil }
        return UUID(uuidString: String(merchantOrderID.dropLast(taxInvoiceSuffix.count)))
    }

    private static let taxInvoiceSuffix = "-vat"
}

/// Everything Folio asks of a new order. The amounts are not given: the adapter computes them.
package struct OrderDraft: Sendable, Equatable {
    /// Folio's invoice id; finding the order by it after a lost response prevents duplicates.
    package var merchantOrderID: String
    /// The number the payment page shows the guest; the provider shows `merchantOrderID` without it.
    package var visibleOrderID: String?
    package var description: String
    package var currency: Currency
    package var language: String?
    package var expiresAt: Date
    package var customer: OrderCustomer
    package var lines: [OrderLine]
    package var reservation: LodgingReservation?
    package var notificationURL: URL?
    package var successURL: URL?
    package var failURL: URL?
    package var returnURL: URL?
    package var documentKind: OrderDocumentKind

    package init(
        merchantOrderID: String, description: String, currency: Currency, language: String? = nil, expiresAt: Date, customer: OrderCustomer, lines: [OrderLine],
        reservation: LodgingReservation? = nil, notificationURL: URL? = nil, successURL: URL? = nil, failURL: URL? = nil, returnURL: URL? = nil,
        visibleOrderID: String? = nil, documentKind: OrderDocumentKind = .invoice
    ) {
        self.documentKind = documentKind
        self.merchantOrderID = merchantOrderID
        self.visibleOrderID = visibleOrderID
        self.description = description
        self.currency = currency
        self.language = language
        self.expiresAt = expiresAt
        self.customer = customer
        self.lines = lines
        self.reservation = reservation
        self.notificationURL = notificationURL
        self.successURL = successURL
        self.failURL = failURL
        self.returnURL = returnURL
    }
}

/// A refund of some lines of a paid order.
package struct RefundDraft: Sendable, Equatable {
    package var parentOrderID: String
    /// The refund's own id; a second refund needs a new one.
    package var merchantOrderID: String
    package var description: String
    package var lines: [OrderLine]

    package init(parentOrderID: String, merchantOrderID: String, description: String, lines: [OrderLine]) {
        self.parentOrderID = parentOrderID
        self.merchantOrderID = merchantOrderID
        self.description = description
        self.lines = lines
    }
}
