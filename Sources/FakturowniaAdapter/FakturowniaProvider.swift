import FolioDomain
import Foundation
import Logging
import PaymentsPort

/// Fakturownia behind Folio's provider port: an order is a VAT invoice in the shop's account,
/// found again by `oid` (Folio's invoice id), paid by payments the host records on it, canceled
/// by its `rejected` status. A shop is one account: `merchantID` its prefix, `baseURL` its own
/// address (`https://{prefix}.fakturownia.pl`), `token` its API token.
package struct FakturowniaProvider: PaymentProvider {
    /// How an order is canceled; the reference documents two ways, neither completely.
    package enum Cancellation: Sendable, Equatable {
        /// `change_status` to `rejected` (§7): a documented status, which Folio reads as canceled.
        case rejectedStatus
        /// `POST /invoices/cancel.json` with the reason (§6), whose resulting status is not
        /// documented: an invoice it leaves in another status than `rejected` is then set to
        /// `rejected` as well, so that every later read shows a documented status.
        case cancelCall(reason: String?)
    }

    package let gateway: FakturowniaGateway
    package let cancellation: Cancellation
    let logger: Logger

    package init(gateway: FakturowniaGateway, logger: Logger, cancellation: Cancellation = .rejectedStatus) {
        self.gateway = gateway
        self.logger = logger
        self.cancellation = cancellation
    }

    package var name: ProviderName { .fakturownia }
    package var capabilities: ProviderCapabilities { [.emailDocument, .recordPayments, .pdfDocument, .proformas] }
    package var orderRules: any OrderRules { FakturowniaOrderRules() }
    /// Fakturownia has one API; the value is stored per shop like any provider's and never read.
    package var defaultAPIVariant: String { "v1" }

    static func access(_ shop: ShopCredentials) -> FakturowniaAccountAccess {
        FakturowniaAccountAccess(baseURL: shop.baseURL, apiToken: shop.token)
    }

    // MARK: - Shops

    /// `GET /account.json` answers for a token the account accepts; a refused one is `false`.
    package func checkToken(of shop: ShopCredentials) async throws -> Bool {
        try await accountPrefix(of: shop) != nil
    }

    /// Whether the token's account is the shop's: its prefix is the merchant id, in any case.
    package func ownsMerchant(_ shop: ShopCredentials) async throws -> Bool {
        guard let prefix = try await accountPrefix(of: shop) else { return false }
        return prefix.lowercased() == shop.merchantID.lowercased()
    }

    /// The prefix of the token's account; nil when the token is refused.
    private func accountPrefix(of shop: ShopCredentials) async throws -> String? {
        do throws(FakturowniaGatewayError) {
            return try await gateway.account(Self.access(shop)).prefix
        } catch .unauthorized {
            return nil
        } catch {
            throw error.paymentError()
        }
    }

    package func invite(email: String, partner: PartnerCredentials, tenant: TenantID) async throws -> String {
        throw PaymentError.invalidRequest(reason: "Fakturownia accounts are opened or connected by their own onboarding, not by invitation")
    }

    package func activate(code: String, partner: PartnerCredentials, tenant: TenantID) async throws -> ActivatedShop {
        throw PaymentError.invalidRequest(reason: "Fakturownia accounts are opened or connected by their own onboarding, not by activation code")
    }

    // MARK: - Invoices

    /// Issues the VAT invoice, or adopts the one an earlier attempt issued under the same `oid`
    /// (the gateway looks it up after a lost answer, and after the provider refuses a taken `oid`).
    package func createOrder(_ draft: OrderDraft, shop: ShopCredentials) async throws -> ProviderOrder {
        let invoiceDraft = try Self.invoiceDraft(from: draft, today: Date())
        let access = Self.access(shop)
        let invoice = try await translatingFakturowniaErrors { () async throws(FakturowniaGatewayError) in
            try await gateway.createInvoice(invoiceDraft, in: access)
        }
        return order(from: invoice, shop: shop)
    }

    /// The invoice with this id; nil when the account has none (404, or an id that is no number).
    package func order(id: String, shop: ShopCredentials) async throws -> ProviderOrder? {
        guard let invoiceID = Int64(id) else { return nil }
        do throws(FakturowniaGatewayError) {
            return order(from: try await gateway.invoice(id: invoiceID, in: Self.access(shop)), shop: shop)
        } catch .notFound {
            return nil
        } catch {
            throw error.paymentError()
        }
    }

    package func order(merchantOrderID: String, shop: ShopCredentials) async throws -> ProviderOrder? {
        let access = Self.access(shop)
        let invoice = try await translatingFakturowniaErrors { () async throws(FakturowniaGatewayError) in
            try await gateway.invoice(oid: merchantOrderID, in: access)
        }
        return invoice.map { order(from: $0, shop: shop) }
    }

    /// One page of the account's invoices, most recently changed first whatever `newestFirst`
    /// says (the only order the list is read in). Statuses and dates are filtered on this side,
    /// so a page may hold fewer than `pageSize` orders. Fakturownia answers no count (§5):
    /// `totalCount` is an estimate, the invoices up to this page plus one when the page was full.
    package func listOrders(_ query: OrderQuery, shop: ShopCredentials) async throws -> ProviderPage<ProviderOrder> {
        let pageSize = min(max(query.pageSize, 1), 100)
        let page = max(query.page, 1)
        let access = Self.access(shop)
        if let merchantOrderID = query.merchantOrderID {
            let found = try await order(merchantOrderID: merchantOrderID, shop: shop).map { [$0] } ?? []
            let items = page == 1 ? found.filter { matches($0, query) } : []
            return ProviderPage(items: items, totalCount: items.count, page: page, pageSize: pageSize)
        }
        let invoices = try await translatingFakturowniaErrors { () async throws(FakturowniaGatewayError) in
            try await gateway.invoices(page: page, perPage: pageSize, in: access)
        }
        let items = invoices.map { order(from: $0, shop: shop) }.filter { matches($0, query) }
        let estimate = (page - 1) * pageSize + invoices.count + (invoices.count == pageSize ? 1 : 0)
        return ProviderPage(items: items, totalCount: estimate, page: page, pageSize: pageSize)
    }

    private func matches(_ order: ProviderOrder, _ query: OrderQuery) -> Bool {
        (query.statuses.isEmpty || query.statuses.contains(order.status))
            && query.createdFrom.map { order.createdAt >= $0 } ?? true
            && query.createdBefore.map { order.createdAt < $0 } ?? true
    }

    /// Voids the invoice the way `cancellation` says. A paid or partly paid invoice is not
    /// voided: it is a tax document of money received, corrected only by a correction invoice.
    /// An invoice already `rejected` is simply returned.
    package func cancelOrder(id: String, shop: ShopCredentials) async throws -> ProviderOrder {
        let access = Self.access(shop)
        let invoiceID = try Self.invoiceID(id)
        let current = try await translatingFakturowniaErrors { () async throws(FakturowniaGatewayError) in
            try await gateway.invoice(id: invoiceID, in: access)
        }
        switch current.knownStatus {
        case .rejected?:
            return order(from: current, shop: shop)
        case .paid?, .partial?:
            throw PaymentError.rejected(fields: [], ProviderDiagnostics(cause: "rejected", code: "invoice_paid", operation: "cancel invoice"))
        default:
            break
        }
        if case .cancelCall(let reason) = cancellation {
            try await translatingFakturowniaErrors(afterWrite: true) { () async throws(FakturowniaGatewayError) in
                try await gateway.cancelInvoice(id: invoiceID, reason: reason, in: access)
            }
            let canceled = try await translatingFakturowniaErrors(afterWrite: true) { () async throws(FakturowniaGatewayError) in
                try await gateway.invoice(id: invoiceID, in: access)
            }
            // The provider's own word is compared: an unknown status spelled `canceled` would
            // equal `.canceled` by its raw value.
            if canceled.knownStatus == .rejected {
                logger.info("invoice canceled", metadata: ["fakturownia.invoice_id": "\(invoiceID)"])
                return order(from: canceled, shop: shop)
            }
            logger.info(
                "the cancel call left another status than rejected; setting rejected", metadata: ["fakturownia.invoice_id": "\(invoiceID)"])
        }
        // Setting the status again is harmless, so a lost answer may be followed by a retry.
        try await translatingFakturowniaErrors(afterWrite: true) { () async throws(FakturowniaGatewayError) in
            try await gateway.changeStatus(id: invoiceID, to: .rejected, in: access)
        }
        logger.info("invoice voided", metadata: ["fakturownia.invoice_id": "\(invoiceID)"])
        return try await reread(invoiceID, shop: shop)
    }

    /// E-mails the invoice to `recipients` (at most 5), or to its buyer's address. A refusal in an
    /// HTTP 200 (§11: no e-mail before KSeF has numbered a business invoice) is a refused field
    /// named `send_by_email` carrying the provider's own text, so the API shows it to the host.
    /// A lost answer is `outcomeUnknown`: the e-mail may have gone.
    package func sendDocument(orderID: String, to recipients: [String], attachPDF: Bool, shop: ShopCredentials) async throws {
        let access = Self.access(shop)
        let invoiceID = try Self.invoiceID(orderID)
        try await translatingFakturowniaErrors(afterWrite: true, refusedAction: "send_by_email") { () async throws(FakturowniaGatewayError) in
            try await gateway.sendByEmail(id: invoiceID, to: recipients, attachPDF: attachPDF, in: access)
        }
    }

    /// Records the payment (`POST /banking/payments.json`, `kind: "api"`) and returns the invoice
    /// as it now stands. Never repeated: a lost answer is `outcomeUnknown`, and so is a failed
    /// read afterwards, since the payment may well be recorded.
    package func recordPayment(_ payment: PaymentRecord, orderID: String, shop: ShopCredentials) async throws -> ProviderOrder {
        let access = Self.access(shop)
        let invoiceID = try Self.invoiceID(orderID)
        let draft = FakturowniaPaymentDraft(
            invoiceID: invoiceID, amount: payment.amount, name: "Folio payment \(payment.id)", paidDate: FakturowniaCalendar.day(of: payment.paidAt),
            currency: payment.currency, description: payment.method)
        let recorded = try await translatingFakturowniaErrors(afterWrite: true) { () async throws(FakturowniaGatewayError) in
            try await gateway.recordPayment(draft, in: access)
        }
        logger.info("payment recorded", metadata: ["fakturownia.invoice_id": "\(invoiceID)", "fakturownia.payment_id": "\(recorded.id)"])
        return try await reread(invoiceID, shop: shop)
    }

    /// Makes the VAT invoice from the paid proforma (`copy_invoice_from`) under `merchantOrderID`
    /// as its `oid`, issued today in Warsaw, or adopts the one an earlier attempt made. That one
    /// is looked for first, so an attempt that died after the provider made it is adopted whatever
    /// the proforma has become since; otherwise the proforma is read, and one that is not a
    /// proforma, or not paid, is refused before any write. A VAT invoice the account's user
    /// already made from the proforma in the application is adopted too, so that one payment
    /// never has two tax documents (`vatInvoiceMade(from:in:)`).
    package func issueTaxInvoice(fromProforma proformaID: String, merchantOrderID: String, shop: ShopCredentials) async throws -> ProviderOrder {
        let access = Self.access(shop)
        let invoiceID = try Self.invoiceID(proformaID)
        let earlier = try await translatingFakturowniaErrors { () async throws(FakturowniaGatewayError) in
            try await gateway.invoice(oid: merchantOrderID, in: access)
        }
        if let earlier {
            guard earlier.kind == FakturowniaInvoiceKind.vat.rawValue, earlier.fromInvoiceID.map({ $0 == invoiceID }) ?? true else {
                throw FakturowniaGatewayError.existingInvoiceDiffers(invoiceID: earlier.id).paymentError()
            }
            logger.info("VAT invoice an earlier attempt issued adopted", metadata: ["fakturownia.invoice_id": "\(earlier.id)"])
            return order(from: earlier, shop: shop)
        }
        let proforma = try await translatingFakturowniaErrors { () async throws(FakturowniaGatewayError) in
            try await gateway.invoice(id: invoiceID, in: access)
        }
        guard proforma.kind == FakturowniaInvoiceKind.proforma.rawValue, proforma.knownStatus == .paid else {
            throw PaymentError.rejected(fields: [], ProviderDiagnostics(cause: "rejected", code: "proforma_not_paid", operation: "issue VAT invoice"))
        }
        if let made = try await vatInvoiceMade(from: proforma, in: access) {
            logger.info("VAT invoice made from the proforma in the application adopted", metadata: ["fakturownia.invoice_id": "\(made.id)"])
            return order(from: made, shop: shop)
        }
        let issued = try await translatingFakturowniaErrors { () async throws(FakturowniaGatewayError) in
            try await gateway.issueVATInvoice(fromProforma: proforma, oid: merchantOrderID, issueDate: FakturowniaCalendar.day(of: Date()), in: access)
        }
        logger.info("VAT invoice issued from its proforma", metadata: ["fakturownia.invoice_id": "\(issued.id)", "fakturownia.proforma_id": "\(invoiceID)"])
        return order(from: issued, shop: shop)
    }

    /// How many pages of 100 of the account's invoices are read looking for a VAT invoice made from a proforma.
    static let madeFromSearchPages = 20

    /// A VAT invoice the account's user made from the proforma, not void, of its currency and
    /// total. The list has no filter by source document, but one made from the proforma cannot
    /// have changed before the proforma's issue day: the account's invoices are read most
    /// recently changed first, down to that day, at most `madeFromSearchPages` pages.
    private func vatInvoiceMade(from proforma: FakturowniaInvoice, in access: FakturowniaAccountAccess) async throws -> FakturowniaInvoice? {
        let since = proforma.issueDate.flatMap(FakturowniaCalendar.start(of:))
        for page in 1...Self.madeFromSearchPages {
            let invoices = try await translatingFakturowniaErrors { () async throws(FakturowniaGatewayError) in
                try await gateway.invoices(page: page, perPage: 100, in: access)
            }
            let made = invoices.first { $0.fromInvoiceID == proforma.id && $0.knownStatus != .rejected && $0.isVATInvoice(for: proforma) }
            if let made { return made }
            guard invoices.count == 100, let since, let oldest = invoices.last?.updatedAt.flatMap(FakturowniaCalendar.instant(of:)), oldest >= since
            else { return nil }
        }
        logger.warning(
            "the account changed too much since the proforma to be searched whole for a VAT invoice made from it",
            metadata: ["fakturownia.proforma_id": "\(proforma.id)", "pages": "\(Self.madeFromSearchPages)"])
        return nil
    }

    /// The invoice after a write of this adapter's: a failed read leaves the write's effect unknown.
    private func reread(_ invoiceID: Int64, shop: ShopCredentials) async throws -> ProviderOrder {
        let access = Self.access(shop)
        let invoice = try await translatingFakturowniaErrors(afterWrite: true) { () async throws(FakturowniaGatewayError) in
            try await gateway.invoice(id: invoiceID, in: access)
        }
        return order(from: invoice, shop: shop)
    }

    /// An order id of this provider is the invoice's numeric id; anything else names no invoice.
    static func invoiceID(_ orderID: String) throws -> Int64 {
        guard let id = Int64(orderID) else { throw PaymentError.notFound(ProviderDiagnostics(cause: "not_found", operation: "read invoice")) }
        return id
    }
}
