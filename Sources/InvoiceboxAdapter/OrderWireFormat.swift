import FolioDomain
import Foundation
import JSONWire
import PaymentsPort

/// The request bodies of invoicebox-api.md §9.1 and §12.2, built from drafts.
enum OrderWireFormat {
    static func createOrder(_ draft: OrderDraft, merchantID: String) throws(InvoiceboxError) -> WireJSON {
        let priced = try draft.priced
        return .object([
            ("merchantId", .string(merchantID)),
            ("merchantOrderId", .string(draft.merchantOrderID)),
            ("merchantOrderIdVisible", .optionalString(draft.visibleOrderID)),
            ("description", .string(draft.description)),
            ("amount", .money(priced.amount)),
            ("vatAmount", .money(priced.vat)),
            ("currencyId", .string(draft.currency.rawValue)),
            ("languageId", .optionalString(draft.language)),
            ("expirationDate", .string(WireDate.format(draft.expiresAt))),
            ("notificationUrl", .optionalString(draft.notificationURL?.absoluteString)),
            ("successUrl", .optionalString(draft.successURL?.absoluteString)),
            ("failUrl", .optionalString(draft.failURL?.absoluteString)),
            ("returnUrl", .optionalString(draft.returnURL?.absoluteString)),
            ("customer", customer(draft.customer)),
            // Totals are computed exactly, so the strictest policy is the safe one.
            ("orderSetting", .object([("roundPolicy", .string("strict"))])),
            ("basketItems", .array(zip(priced.lines, draft.lines).map { basketItem($0, attributes: $1) })),
            ("metaData", draft.reservation.map(reservationPackage)),
        ])
    }

    static func createRefund(_ draft: RefundDraft) throws(InvoiceboxError) -> WireJSON {
        let (lines, amount, vat) = try OrderDraft.price(draft.lines)
        return .object([
            ("parentId", .string(draft.parentOrderID)),
            ("merchantOrderId", .string(draft.merchantOrderID)),
            ("description", .string(draft.description)),
            ("amount", .money(amount)),
            ("vatAmount", .money(vat)),
            ("basketItems", .array(zip(lines, draft.lines).map { basketItem($0, attributes: $1) })),
        ])
    }

    static func basketItem(_ line: PricedLine, attributes: OrderLine) -> WireJSON {
        let itemType = attributes.itemType ?? OrderLine.defaultItemType
        return .object([
            ("sku", .string(line.sku)),
            ("name", .string(line.name)),
            ("measure", .string(attributes.measure ?? OrderLine.defaultMeasure)),
            ("measureCode", .string(attributes.measureCode ?? OrderLine.defaultMeasureCode)),
            ("quantity", .integer(line.quantity)),
            ("amount", .money(line.amount)),
            ("amountWoVat", .money(line.amountWithoutVAT)),
            ("totalAmount", .money(line.totalAmount)),
            ("totalVatAmount", .money(line.totalVATAmount)),
            ("vatCode", .string(line.vatCode.rawValue)),
            ("type", Int64(itemType).map(WireJSON.integer) ?? .string(itemType)),
            ("serviceDate", .optionalString(attributes.serviceDate)),
            ("paymentType", .string(attributes.paymentType ?? OrderLine.defaultPaymentType)),
        ])
    }

    static func customer(_ customer: OrderCustomer) -> WireJSON {
        .object([
            ("type", .string(customer.kind.rawValue)),
            ("name", .optionalString(customer.name)),
            ("phone", .optionalString(customer.phone)),
            ("email", .optionalString(customer.email)),
            ("vatNumber", .optionalString(customer.vatNumber)),
            ("taxRegistrationReasonCode", .optionalString(customer.taxRegistrationReasonCode)),
            ("registrationAddress", .optionalString(customer.registrationAddress)),
        ])
    }

    /// A `ReservationPackage` holding one `LodgingReservation`, as the lodging guidance asks.
    static func reservationPackage(_ reservation: LodgingReservation) -> WireJSON {
        let hasAddress = [reservation.streetAddress, reservation.locality, reservation.region, reservation.postalCode, reservation.country]
            .contains { $0 != nil }
        let address: WireJSON? =
            hasAddress
            ? .object([
                ("@type", .string("PostalAddress")),
                ("streetAddress", .optionalString(reservation.streetAddress)),
                ("addressLocality", .optionalString(reservation.locality)),
                ("addressRegion", .optionalString(reservation.region)),
                ("postalCode", .optionalString(reservation.postalCode)),
                ("addressCountry", .optionalString(reservation.country)),
            ])
            : nil
        let property: WireJSON? =
            (reservation.propertyName != nil || hasAddress)
            ? .object([
                ("@type", .string("LodgingBusiness")),
                ("name", .optionalString(reservation.propertyName)),
                ("address", address),
            ])
            : nil
        let lodging: WireJSON = .object([
            ("@type", .string("LodgingReservation")),
            ("reservationId", .string(reservation.reservationID)),
            ("reservationStatus", .string("https://schema.org/ReservationConfirmed")),
            ("underName", reservation.guestName.map { .object([("@type", .string("Person")), ("name", .string($0))]) }),
            ("reservationFor", property),
            ("checkinTime", .optionalString(reservation.checkIn.map(WireDate.format))),
            ("checkoutTime", .optionalString(reservation.checkOut.map(WireDate.format))),
        ])
        return .object([("@type", .string("ReservationPackage")), ("subReservation", .array([lodging]))])
    }
}
