import FolioDomain
import Foundation

/// Where and as whom to call the provider for one shop.
package struct ShopCredentials: Sendable {
    package var merchantID: String
    package var token: Secret
    package var baseURL: URL
    /// The provider's API variant for this shop, in the provider's own words: Folio stores it and
    /// hands it back, only the adapter reads it. `nil` is the provider's default.
    package var apiVariant: String?
    /// The tenant the shop is used for, when there is one; part of the rate limiter's key.
    package var tenant: TenantID?
    /// The provider that holds the shop. For Fakturownia the merchant id is the account's prefix
    /// and the base URL the account's own address.
    package var provider: ProviderName

    package init(
        merchantID: String, token: Secret, baseURL: URL, apiVariant: String? = nil, tenant: TenantID? = nil, provider: ProviderName = .invoicebox
    ) {
        self.merchantID = merchantID
        self.token = token
        self.baseURL = baseURL
        self.apiVariant = apiVariant
        self.tenant = tenant
        self.provider = provider
    }
}

/// The host platform's partner account, for inviting and activating shops.
package struct PartnerCredentials: Sendable {
    package var partnerID: String
    package var token: Secret
    package var baseURL: URL

    package init(partnerID: String, token: Secret, baseURL: URL) {
        self.partnerID = partnerID
        self.token = token
        self.baseURL = baseURL
    }
}

/// An order's status at the provider.
package enum ProviderOrderStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// Open for payment.
    case created
    /// Paid.
    case completed
    case expired
    case canceled
    /// Money held, not yet taken.
    case hold
    /// Part of the amount is recorded as paid (a ledger provider's `partial`).
    case partiallyPaid
    /// A ledger provider's document voided (Fakturownia's `rejected`): it ends an unpaid invoice
    /// like a cancel, but says nothing about money already recorded, so it never reverses a payment.
    case voided
    case draft
    /// A status this version does not know, as the provider spelled it: never guessed at.
    case unrecognized(String)

    package init(rawValue: String) {
        switch rawValue {
        case "created": self = .created
        case "completed": self = .completed
        case "expired": self = .expired
        case "canceled": self = .canceled
        case "hold": self = .hold
        case "partial": self = .partiallyPaid
        case "rejected": self = .voided
        case "draft": self = .draft
        default: self = .unrecognized(rawValue)
        }
    }

    package var rawValue: String {
        switch self {
        case .created: "created"
        case .completed: "completed"
        case .expired: "expired"
        case .canceled: "canceled"
        case .hold: "hold"
        case .partiallyPaid: "partial"
        case .voided: "rejected"
        case .draft: "draft"
        case .unrecognized(let raw): raw
        }
    }

    package var description: String { rawValue }
}

/// A refund's status at the provider.
package enum ProviderRefundStatus: Hashable, Sendable, CustomStringConvertible {
    /// Accepted, not yet settled.
    case created
    /// The money went back.
    case completed
    /// Final: nothing went back.
    case canceled
    /// A status this version does not know, as the provider spelled it.
    case unrecognized(String)

    package var description: String {
        switch self {
        case .created: "created"
        case .completed: "completed"
        case .canceled: "canceled"
        case .unrecognized(let raw): raw
        }
    }
}

/// An order at the provider, reduced to what Folio uses.
package struct ProviderOrder: Sendable, Equatable {
    package var id: String
    package var merchantID: String?
    package var merchantOrderID: String
    package var status: ProviderOrderStatus
    package var amount: MinorUnits
    package var vatAmount: MinorUnits?
    package var currency: String
    package var createdAt: Date
    package var paidAt: Date?
    package var expirationDate: Date?
    package var paymentURL: String?
    package var orderContainerID: String?
    /// The document as the payer sees it, at a link that needs no credentials.
    package var documents: ProviderDocuments
    /// The document's lines, where the provider answers them (a ledger provider's positions);
    /// empty otherwise. Folio reads them only for a document made outside Folio.
    package var lines: [ProviderOrderLine]
    /// When the provider last changed the order, where it says; what a reading of changes in
    /// most-recently-changed order stops at.
    package var updatedAt: Date?
    /// The document's own description, where the provider keeps one.
    package var description: String?
    /// The order this document was made from, where the provider links them: a tax invoice's proforma.
    package var madeFromOrderID: String?

    package init(
        id: String, merchantID: String?, merchantOrderID: String, status: ProviderOrderStatus, amount: MinorUnits,
        vatAmount: MinorUnits?, currency: String, createdAt: Date, paidAt: Date?, expirationDate: Date?,
        paymentURL: String?, orderContainerID: String?, documents: ProviderDocuments = ProviderDocuments(),
        lines: [ProviderOrderLine] = [], updatedAt: Date? = nil, description: String? = nil
    ) {
        self.documents = documents
        self.lines = lines
        self.updatedAt = updatedAt
        self.description = description
        self.id = id
        self.merchantID = merchantID
        self.merchantOrderID = merchantOrderID
        self.status = status
        self.amount = amount
        self.vatAmount = vatAmount
        self.currency = currency
        self.createdAt = createdAt
        self.paidAt = paidAt
        self.expirationDate = expirationDate
        self.paymentURL = paymentURL
        self.orderContainerID = orderContainerID
    }
}

/// One line of a provider's document, in terms no provider owns.
package struct ProviderOrderLine: Sendable, Equatable {
    package var name: String
    /// As the provider writes it; a ledger may bill fractions (`1.5` hours).
    package var quantity: Decimal
    /// The line's total, VAT included, in minor units.
    package var totalAmount: MinorUnits
    /// Folio's code for the line's rate; `nil` for a rate Folio does not know.
    package var vatCode: VATCode?

    package init(name: String, quantity: Decimal, totalAmount: MinorUnits, vatCode: VATCode?) {
        self.name = name
        self.quantity = quantity
        self.totalAmount = totalAmount
        self.vatCode = vatCode
    }
}

/// Where the payer sees an invoice's document; what a provider does not offer is `nil`.
package struct ProviderDocuments: Sendable, Equatable {
    /// The provider's numbering series' number of the document, when it gives one.
    package var number: String?
    /// The document (or payment page) in a browser.
    package var viewURL: String?
    /// The printable PDF.
    package var pdfURL: String?

    package init(number: String? = nil, viewURL: String? = nil, pdfURL: String? = nil) {
        self.number = number
        self.viewURL = viewURL
        self.pdfURL = pdfURL
    }
}

/// A payment the host learned of elsewhere (cash at the desk, a bank transfer), to be recorded on
/// the provider's invoice so that the ledger and the host agree.
package struct PaymentRecord: Sendable, Equatable {
    /// Folio's id for the payment; the provider keeps it, so a lost answer can be looked up.
    package var id: String
    package var amount: MinorUnits
    package var currency: String
    package var paidAt: Date
    /// How the payment was made, in the host's words (`cash`, `bank transfer`).
    package var method: String?

    package init(id: String, amount: MinorUnits, currency: String, paidAt: Date, method: String? = nil) {
        self.id = id
        self.amount = amount
        self.currency = currency
        self.paidAt = paidAt
        self.method = method
    }
}

/// A refund of a paid order.
package struct ProviderRefund: Sendable, Equatable {
    package var id: String
    package var parentID: String
    package var merchantOrderID: String
    package var merchantID: String?
    package var status: ProviderRefundStatus
    package var amount: MinorUnits
    package var vatAmount: MinorUnits
    package var currency: String?
    package var createdAt: Date

    package init(
        id: String, parentID: String, merchantOrderID: String, merchantID: String?, status: ProviderRefundStatus, amount: MinorUnits, vatAmount: MinorUnits,
        currency: String?, createdAt: Date
    ) {
        self.id = id
        self.parentID = parentID
        self.merchantOrderID = merchantOrderID
        self.merchantID = merchantID
        self.status = status
        self.amount = amount
        self.vatAmount = vatAmount
        self.currency = currency
        self.createdAt = createdAt
    }
}

/// A basket line that can still be refunded, with how much of it remains.
package struct RefundableItem: Sendable, Equatable {
    package var sku: String
    package var name: String
    package var vatCode: String
    package var totalAmount: MinorUnits
    package var availableAmount: MinorUnits
    package var availableVATAmount: MinorUnits?

    package init(sku: String, name: String, vatCode: String, totalAmount: MinorUnits, availableAmount: MinorUnits, availableVATAmount: MinorUnits?) {
        self.sku = sku
        self.name = name
        self.vatCode = vatCode
        self.totalAmount = totalAmount
        self.availableAmount = availableAmount
        self.availableVATAmount = availableVATAmount
    }
}

/// A page of a collection.
package struct ProviderPage<Item: Sendable>: Sendable {
    package var items: [Item]
    package var totalCount: Int
    package var page: Int
    package var pageSize: Int

    package init(items: [Item], totalCount: Int, page: Int, pageSize: Int) {
        self.items = items
        self.totalCount = totalCount
        self.page = page
        self.pageSize = pageSize
    }
}

/// What activation returns: the shop and its API token.
package struct ActivatedShop: Sendable {
    package var merchantID: String
    package var token: Secret

    package init(merchantID: String, token: Secret) {
        self.merchantID = merchantID
        self.token = token
    }
}
