import FolioDomain
import Foundation
import PaymentsPort

/// Folio's order draft as a Fakturownia invoice draft, and a Fakturownia invoice as Folio's order.
extension FakturowniaProvider {
    /// A VAT invoice (§4), or a proforma when the draft asks for one, for the draft: `oid` is Folio's invoice id (sent with `oid_unique`),
    /// each line a position at its gross total `quantity × unitPrice` and its Polish rate, the due
    /// date the Warsaw day of `expiresAt`, issued on the Warsaw day of `today`.
    static func invoiceDraft(from draft: OrderDraft, today: Date) throws -> FakturowniaInvoiceDraft {
        guard !draft.lines.isEmpty else { throw PaymentError.invalidRequest(reason: BasketError.empty.description) }
        var positions: [FakturowniaPositionDraft] = []
        var priced: [PricedLine] = []
        for line in draft.lines {
            guard let tax = taxRate(of: line.basket.vatCode) else {
                throw PaymentError.invalidRequest(reason: "VAT code \(line.basket.vatCode.rawValue) is not a Polish rate Fakturownia invoices with")
            }
            // The basket's bounds keep `quantity × unitPrice` from overflowing; `totalAmount` is
            // exactly that product. The position keeps the full quantity: Fakturownia derives net
            // and VAT from the gross total itself, so the receipt's one-unit fallback never applies.
            let pricedLine = try price(line.basket)
            priced.append(pricedLine)
            positions.append(
                FakturowniaPositionDraft(
                    name: line.basket.name, quantity: Int(line.basket.quantity), unit: line.measure, tax: tax, totalGross: pricedLine.totalAmount))
        }
        do {
            _ = try Basket.totals(of: priced)
        } catch {
            throw PaymentError.invalidRequest(reason: error.description)
        }
        return FakturowniaInvoiceDraft(
            kind: draft.documentKind == .proforma ? .proforma : .vat, oid: draft.merchantOrderID, buyer: try buyer(of: draft.customer), positions: positions,
            currency: draft.currency.rawValue,
            paymentTo: FakturowniaCalendar.day(of: draft.expiresAt), issueDate: FakturowniaCalendar.day(of: today),
            description: draft.description.isEmpty ? nil : draft.description, lang: draft.language)
    }

    private static func price(_ line: BasketLineRequest) throws -> PricedLine {
        do {
            return try Basket.price(line)
        } catch {
            throw PaymentError.invalidRequest(reason: error.description)
        }
    }

    static func taxRate(of code: VATCode) -> FakturowniaTaxRate? {
        switch code {
        case .polish23: .rate23
        case .polish8: .rate8
        case .polish5: .rate5
        case .polish0: .rate0
        case .polishExempt: .exempt
        case .polishNotSubject: .notSubject
        default: nil
        }
    }

    /// A private payer is a person, its name split before the last word (`Anna Maria Nowak` is
    /// first name `Anna Maria`, last name `Nowak`); a legal payer a company with its NIP or EU VAT
    /// number, written without spaces and dashes.
    static func buyer(of customer: OrderCustomer) throws -> FakturowniaBuyer {
        let name = customer.name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !name.isEmpty else { throw PaymentError.invalidRequest(reason: "the payer's name is required on a Fakturownia invoice") }
        switch customer.kind {
        case .private:
            let words = name.split(whereSeparator: \.isWhitespace)
            let firstName = words.count > 1 ? words.dropLast().joined(separator: " ") : name
            let lastName = words.count > 1 ? String(words[words.count - 1]) : ""
            return FakturowniaBuyer(.privatePerson(firstName: firstName, lastName: lastName), email: customer.email)
        case .legal:
            var taxNumber = ""
            if let given = customer.vatNumber {
                guard let normalized = FakturowniaOrderRules.normalizedTaxNumber(given) else {
                    throw PaymentError.invalidRequest(reason: "the payer's tax number is neither a Polish NIP nor an EU VAT number")
                }
                taxNumber = normalized
            }
            return FakturowniaBuyer(.company(name: name, taxNumber: taxNumber), email: customer.email, street: customer.registrationAddress)
        }
    }

    /// The order Folio sees. `createdAt` is the start of the issue day in Warsaw (the provider
    /// keeps no creation instant in what it documents, and a fixed value reads the same every
    /// time), now only when the invoice has no readable issue date. `paidAt` stands for the recorded
    /// payment day once the invoice is paid (`FakturowniaCalendar.moment(of:)`), and
    /// `expirationDate` is the end of the due day, since an invoice due on a day may be paid all
    /// that day.
    func order(from invoice: FakturowniaInvoice, shop: ShopCredentials) -> ProviderOrder {
        let access = Self.access(shop)
        let status = Self.status(of: invoice.status)
        let viewURL = gateway.publicViewURL(of: invoice, in: access).absoluteString
        var order = ProviderOrder(
            id: String(invoice.id), merchantID: shop.merchantID, merchantOrderID: invoice.oid ?? "", status: status, amount: invoice.totalGross,
            vatAmount: invoice.totalNet.map { invoice.totalGross - $0 }, currency: invoice.currency,
            createdAt: invoice.issueDate.flatMap(FakturowniaCalendar.start(of:)) ?? Date(),
            paidAt: status == .completed ? invoice.paidDate.flatMap { FakturowniaCalendar.moment(of: $0) } : nil,
            expirationDate: invoice.paymentTo.flatMap(FakturowniaCalendar.end(of:)), paymentURL: viewURL, orderContainerID: nil,
            documents: ProviderDocuments(number: invoice.number, viewURL: viewURL, pdfURL: gateway.publicPDFURL(of: invoice, in: access).absoluteString),
            lines: invoice.positions.map(Self.line(of:)), updatedAt: invoice.updatedAt.flatMap(FakturowniaCalendar.instant(of:)),
            description: invoice.description)
        // Only a VAT invoice's source is its proforma; other copies are documents of their own.
        order.madeFromOrderID = invoice.kind == FakturowniaInvoiceKind.vat.rawValue ? invoice.fromInvoiceID.map(String.init) : nil
        return order
    }

    /// A position as a neutral line; a rate Folio has no code for (`disabled`, a foreign rate)
    /// leaves the code empty, and a quantity that is no number counts as one.
    static func line(of position: FakturowniaPosition) -> ProviderOrderLine {
        ProviderOrderLine(
            name: position.name, quantity: Decimal(string: position.quantity.replacingOccurrences(of: ",", with: "."), locale: nil) ?? 1,
            totalAmount: position.totalGross, vatCode: vatCode(ofTax: position.tax))
    }

    /// Folio's code for a position's `tax`, written as text (`"23"`, `"zw"`) or as a number (`23`, `23.0`).
    package static func vatCode(ofTax tax: String) -> VATCode? {
        let text = tax.trimmingCharacters(in: .whitespaces).lowercased()
        let rate = Double(text).flatMap { abs($0) < 1000 && $0 == $0.rounded() ? String(Int($0)) : nil } ?? text
        return switch FakturowniaTaxRate(rawValue: rate) {
        case .rate23?: .polish23
        case .rate8?: .polish8
        case .rate5?: .polish5
        case .rate0?: .polish0
        case .exempt?: .polishExempt
        case .notSubject?: .polishNotSubject
        case nil: nil
        }
    }

    /// §4's statuses: issued and sent are open, paid completed, partial partly paid, rejected
    /// voided; anything else is kept as the provider spelled it.
    static func status(of raw: String) -> ProviderOrderStatus {
        switch FakturowniaInvoiceStatus(rawValue: raw) {
        case .issued?, .sent?: .created
        case .paid?: .completed
        case .partial?: .partiallyPaid
        case .rejected?: .voided
        case nil: .unrecognized(raw)
        }
    }
}

/// Calendar days as Fakturownia writes them (`YYYY-MM-DD`), in Poland's time zone: the account's
/// dates are Polish local dates, and a due date printed on a Polish invoice is read on a Polish
/// calendar, so an instant falls on the day it is in Warsaw.
package enum FakturowniaCalendar {
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        // The zone database always has Warsaw; were it missing, UTC would shift dates by at most a day.
        calendar.timeZone = TimeZone(identifier: "Europe/Warsaw") ?? .gmt
        return calendar
    }()

    static func day(of instant: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// Midnight in Warsaw at the start of the day; nil for text that is no date.
    static func start(of day: String) -> Date? {
        let parts = day.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let date = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(date)
        else { return nil }
        return calendar.date(from: DateComponents(year: year, month: month, day: date))
    }

    /// An instant as the provider writes its timestamps (`2026-11-26T10:20:30.123+01:00`, with or
    /// without the fraction); nil for text that is none.
    package static func instant(of timestamp: String) -> Date? {
        if let instant = try? Date(timestamp, strategy: .iso8601) { return instant }
        return try? Date(timestamp, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// An instant for a day the provider records without a time (a payment date): now, when the
    /// day is today in Warsaw, else noon in Warsaw, which reads as that same day in every zone
    /// from UTC−11 to UTC+11 (midnight would show a UTC reader the evening before).
    package static func moment(of day: String, now: Date = Date()) -> Date? {
        guard let start = start(of: day) else { return nil }
        if Self.day(of: now) == day { return now }
        return calendar.date(byAdding: .hour, value: 12, to: start)
    }

    /// Midnight in Warsaw at the end of the day.
    static func end(of day: String) -> Date? {
        start(of: day).flatMap { calendar.date(byAdding: .day, value: 1, to: $0) }
    }
}
