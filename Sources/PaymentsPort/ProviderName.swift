/// The payment providers Folio invoices through. A tenant's invoicing uses one of them; every
/// shop carries its own, so each call goes to the provider that holds the shop.
package enum ProviderName: String, Sendable, CaseIterable, Codable {
    /// Invoicebox: the payment rail itself (orders, payment page, holds, refunds, shipments).
    case invoicebox
    /// Fakturownia (and the InvoiceOcean and VosFactures brands): the ledger of VAT invoices;
    /// payments are recorded on it, not taken by it.
    case fakturownia
}

/// What a provider can do beyond creating, reading and canceling an invoice; the API answers
/// `409 not_supported_by_provider` for the rest instead of calling it.
package struct ProviderCapabilities: OptionSet, Sendable, Hashable {
    package let rawValue: Int

    package init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// Money goes back through the provider (`POST …/refunds`).
    package static let refunds = ProviderCapabilities(rawValue: 1 << 0)
    /// What was rendered is recorded, and held funds captured (`POST …/fulfilments`).
    package static let fulfilments = ProviderCapabilities(rawValue: 1 << 1)
    /// An unpaid invoice's content can be replaced (`PATCH …/invoices/{id}`).
    package static let edits = ProviderCapabilities(rawValue: 1 << 2)
    /// The provider e-mails the document to the payer on request (`POST …/send`).
    package static let emailDocument = ProviderCapabilities(rawValue: 1 << 3)
    /// A payment taken elsewhere can be recorded on the invoice (`POST …/payments`).
    package static let recordPayments = ProviderCapabilities(rawValue: 1 << 4)
    /// The document has a printable PDF at a public link.
    package static let pdfDocument = ProviderCapabilities(rawValue: 1 << 5)
    /// An invoice may start as a proforma, a request for a prepayment that is no tax document;
    /// once it is paid, the tax invoice is issued from it (`OrderDraft.documentKind`).
    package static let proformas = ProviderCapabilities(rawValue: 1 << 6)

    /// The names the API shows, in a fixed order.
    package var names: [String] {
        let all: [(ProviderCapabilities, String)] = [
            (.refunds, "refunds"), (.fulfilments, "fulfilments"), (.edits, "edits"), (.emailDocument, "email_document"),
            (.recordPayments, "record_payments"), (.pdfDocument, "pdf_document"), (.proformas, "proformas"),
        ]
        return all.filter { contains($0.0) }.map(\.1)
    }
}
