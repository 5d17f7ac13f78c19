import FolioDomain
import Foundation
import PaymentsPort

/// What the host asks for when it invoices a reservation. Stored with the invoice, so that a
/// creation interrupted by a crash can be sent to the provider again exactly as it was asked;
/// the currency and VAT codes are stored as their codes, so the stored JSON keeps its shape, and
/// a code this version does not know fails the decoding rather than being guessed.
package struct InvoiceRequest: Sendable, Codable, Equatable {
    package struct Item: Sendable, Codable, Equatable {
        package var sku: String?
        package var name: String
        package var quantity: Int64
        package var unitPrice: Int64
        package var vatCode: VATCode
        package var measure: String?
        package var measureCode: String?
        package var itemType: String?
        package var paymentType: String?
        package var serviceDate: String?

        package init(
            sku: String? = nil, name: String, quantity: Int64, unitPrice: Int64, vatCode: VATCode, measure: String? = nil, measureCode: String? = nil,
            itemType: String? = nil, paymentType: String? = nil, serviceDate: String? = nil
        ) {
            self.sku = sku
            self.name = name
            self.quantity = quantity
            self.unitPrice = unitPrice
            self.vatCode = vatCode
            self.measure = measure
            self.measureCode = measureCode
            self.itemType = itemType
            self.paymentType = paymentType
            self.serviceDate = serviceDate
        }
    }

    package struct Reservation: Sendable, Codable, Equatable {
        package var propertyName: String?
        package var streetAddress: String?
        package var locality: String?
        package var region: String?
        package var postalCode: String?
        package var country: String?
        package var guestName: String?
        package var checkIn: String?
        package var checkOut: String?

        package init(
            propertyName: String? = nil, streetAddress: String? = nil, locality: String? = nil, region: String? = nil, postalCode: String? = nil,
            country: String? = nil, guestName: String? = nil, checkIn: String? = nil, checkOut: String? = nil
        ) {
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

    package var reservationID: String
    /// What the payment page shows the guest as the order number; the reservation id without it.
    package var displayNumber: String?
    package var description: String
    package var currency: Currency
    package var language: String?
    package var customer: OrderCustomer
    package var items: [Item]
    package var reservation: Reservation?
    package var expiresAt: Date?
    package var successURL: String?
    package var failURL: String?
    package var returnURL: String?
    /// A proforma first, when the host asks for one; the provider's own document otherwise.
    /// Absent from requests stored before proformas, which decode as `nil`.
    package var documentKind: OrderDocumentKind?

    package init(
        reservationID: String, description: String, currency: Currency, language: String? = nil, customer: OrderCustomer, items: [Item],
        reservation: Reservation? = nil, expiresAt: Date? = nil, successURL: String? = nil, failURL: String? = nil, returnURL: String? = nil,
        displayNumber: String? = nil, documentKind: OrderDocumentKind? = nil
    ) {
        self.documentKind = documentKind
        self.reservationID = reservationID
        self.displayNumber = displayNumber
        self.description = description
        self.currency = currency
        self.language = language
        self.customer = customer
        self.items = items
        self.reservation = reservation
        self.expiresAt = expiresAt
        self.successURL = successURL
        self.failURL = failURL
        self.returnURL = returnURL
    }

    /// The SKU of an item: the host's, or its position.
    func sku(of index: Int) -> String {
        items[index].sku ?? "ITEM-\(index + 1)"
    }

    /// The basket lines, once `violations` found nothing.
    var basketLines: [BasketLineRequest] {
        items.indices.map { index in
            let item = items[index]
            return BasketLineRequest(
                sku: sku(of: index), name: item.name, quantity: item.quantity,
                unitPrice: MinorUnits(item.unitPrice), vatCode: item.vatCode
            )
        }
    }

    /// The provider's order for this request, once `violations` found nothing.
    package func draft(invoiceID: UUID, notificationURL: URL?, defaultExpiry: Date) -> OrderDraft {
        let lines = zip(items, basketLines).map { item, basket in item.orderLine(basket) }
        let lodging = reservation.map { details in
            LodgingReservation(
                reservationID: reservationID, propertyName: details.propertyName, streetAddress: details.streetAddress,
                locality: details.locality, region: details.region, postalCode: details.postalCode, country: details.country,
                guestName: details.guestName, checkIn: details.checkIn.flatMap(CalendarDate.parse),
                checkOut: details.checkOut.flatMap(CalendarDate.parse)
            )
        }
        return OrderDraft(
            merchantOrderID: invoiceID.uuidString.lowercased(), description: description,
            currency: currency, language: language, expiresAt: expiresAt ?? defaultExpiry,
            customer: customer,
            lines: lines, reservation: lodging, notificationURL: notificationURL,
            successURL: successURL.flatMap(URL.init(string:)), failURL: failURL.flatMap(URL.init(string:)),
            returnURL: returnURL.flatMap(URL.init(string:)),
            // The invoice id stays the merchant order id, which recovery looks orders up by; the
            // guest is shown a number the hotel uses. A reservation id (at most 128 characters)
            // always fits the provider's 256.
            visibleOrderID: displayNumber ?? reservationID, documentKind: documentKind ?? .invoice
        )
    }
}

/// `YYYY-MM-DD` dates, checked for being real days.
enum CalendarDate {
    static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") })
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else { return nil }
        return date
    }
}

extension InvoiceRequest.Item {
    /// The item as a provider basket line with `basket`'s money; the provider's adapter fills in
    /// the attributes the host left out.
    func orderLine(_ basket: BasketLineRequest) -> OrderLine {
        OrderLine(
            basket: basket, measure: measure, measureCode: measureCode,
            itemType: itemType, paymentType: paymentType, serviceDate: serviceDate
        )
    }
}
