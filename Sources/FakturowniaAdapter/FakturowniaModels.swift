import FolioDomain
import Foundation
import JSONWire

// MARK: - Accounts (§3)

/// What the partner sends to open an account for one of its users.
package struct FakturowniaNewAccount: Sendable {
    /// The requested subdomain; the provider may grant another one if it is taken.
    package var prefix: String
    package var lang = "pl"
    /// Lets the platform's users log into Fakturownia without a password of their own.
    package var integrationFastLogin = false
    /// The owner user; always sent, since without it the partner's own user owns the account.
    package var user: User
    package var company: Company?

    package struct User: Sendable {
        package var login: String?
        package var email: String
        package var password: Secret

        package init(login: String? = nil, email: String, password: Secret) {
            self.login = login
            self.email = email
            self.password = password
        }
    }

    /// The seller data that becomes the account's first company.
    package struct Company: Sendable {
        package var name: String
        package var taxNumber: String?
        package var postCode: String?
        package var city: String?
        package var street: String?
        package var person: String?
        package var bank: String?
        package var bankAccount: String?

        package init(name: String, taxNumber: String? = nil, postCode: String? = nil, city: String? = nil, street: String? = nil) {
            self.name = name
            self.taxNumber = taxNumber
            self.postCode = postCode
            self.city = city
            self.street = street
        }
    }

    package init(prefix: String, lang: String = "pl", integrationFastLogin: Bool = false, user: User, company: Company? = nil) {
        self.prefix = prefix
        self.lang = lang
        self.integrationFastLogin = integrationFastLogin
        self.user = user
        self.company = company
    }
}

/// The account the partner flow opened. Every later call goes to `access`.
package struct FakturowniaOpenedAccount: Sendable {
    /// The granted prefix, which may differ from the one asked for.
    package let prefix: String
    package let url: URL
    package let login: String?
    package let email: String?
    package let access: FakturowniaAccountAccess
}

/// `GET /account.json`: what a token answers about its own account.
package struct FakturowniaAccountInfo: Sendable, Equatable {
    package let prefix: String
    package let url: String?
    package let lang: String?
    package let login: String?
    package let email: String?
}

// MARK: - Invoices (§4–§7)

package enum FakturowniaInvoiceKind: String, Sendable, CaseIterable {
    case vat
    case proforma
}

/// The rates a position may carry: a percentage, `zw` (exempt) or `np` (not subject).
package enum FakturowniaTaxRate: String, Sendable, CaseIterable {
    case rate23 = "23"
    case rate8 = "8"
    case rate5 = "5"
    case rate0 = "0"
    case exempt = "zw"
    case notSubject = "np"

    var wire: FakturowniaBody {
        switch self {
        case .exempt, .notSubject: .string(rawValue)
        default: .number(rawValue)
        }
    }
}

package enum FakturowniaInvoiceStatus: String, Sendable, CaseIterable {
    case issued, sent, paid, partial, rejected
}

package struct FakturowniaBuyer: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case privatePerson(firstName: String, lastName: String)
        /// A business buyer and its NIP.
        case company(name: String, taxNumber: String)
    }

    package var kind: Kind
    package var email: String?
    package var street: String?
    package var postCode: String?
    package var city: String?
    /// ISO 3166 code, e.g. `PL`.
    package var country: String?

    package init(_ kind: Kind, email: String? = nil, street: String? = nil, postCode: String? = nil, city: String? = nil, country: String? = nil) {
        self.kind = kind
        self.email = email
        self.street = street
        self.postCode = postCode
        self.city = city
        self.country = country
    }
}

package struct FakturowniaPositionDraft: Sendable, Equatable {
    package var name: String
    package var quantity: Int
    package var unit: String?
    package var tax: FakturowniaTaxRate
    /// The line's gross total, in minor units.
    package var totalGross: MinorUnits

    package init(name: String, quantity: Int = 1, unit: String? = nil, tax: FakturowniaTaxRate, totalGross: MinorUnits) {
        self.name = name
        self.quantity = quantity
        self.unit = unit
        self.tax = tax
        self.totalGross = totalGross
    }
}

/// One invoice to issue. `oid` is the caller's own id (a reservation's), sent with
/// `oid_unique: "yes"` so that the provider refuses a second invoice for it.
package struct FakturowniaInvoiceDraft: Sendable, Equatable {
    package var kind: FakturowniaInvoiceKind
    package var oid: String
    package var buyer: FakturowniaBuyer
    package var positions: [FakturowniaPositionDraft]
    package var currency: String
    /// The due date, `YYYY-MM-DD`; nil for the provider's default.
    package var paymentTo: String?
    package var issueDate: String?
    package var description: String?
    /// The document's language (`pl`, `en`); nil for the account's own.
    package var lang: String?

    package init(
        kind: FakturowniaInvoiceKind, oid: String, buyer: FakturowniaBuyer, positions: [FakturowniaPositionDraft], currency: String,
        paymentTo: String? = nil, issueDate: String? = nil, description: String? = nil, lang: String? = nil
    ) {
        self.kind = kind
        self.oid = oid
        self.buyer = buyer
        self.positions = positions
        self.currency = currency
        self.paymentTo = paymentTo
        self.issueDate = issueDate
        self.description = description
        self.lang = lang
    }

    package var totalGross: MinorUnits {
        positions.reduce(MinorUnits.zero) { $0 + $1.totalGross }
    }
}

package struct FakturowniaPosition: Sendable, Equatable {
    package let name: String
    /// As the provider writes it (`"2.0"`).
    package let quantity: String
    package let tax: String
    package let totalGross: MinorUnits
}

/// An invoice as the provider holds it; amounts in minor units, read exactly from its strings.
package struct FakturowniaInvoice: Sendable, Equatable {
    package let id: Int64
    package let kind: String
    package let number: String?
    /// The provider's status text; `knownStatus` for the documented values.
    package let status: String
    package let oid: String?
    /// Opens the public view and PDF, which need no API token.
    package let token: String
    package let currency: String
    package let totalGross: MinorUnits
    package let totalNet: MinorUnits?
    package let paid: MinorUnits?
    /// `YYYY-MM-DD` of the last payment, when the provider recorded one.
    package let paidDate: String?
    package let issueDate: String?
    package let paymentTo: String?
    package let buyerName: String?
    package let updatedAt: String?
    /// Empty when the answer had none (lists without `include_positions`).
    package let positions: [FakturowniaPosition]
    /// The document's free-text description, when it has one.
    package var description: String? = nil
    /// The document this one was made from (`from_invoice_id`): a VAT invoice's proforma.
    package var fromInvoiceID: Int64? = nil

    package var knownStatus: FakturowniaInvoiceStatus? { FakturowniaInvoiceStatus(rawValue: status) }

    /// Whether this is a VAT invoice for what `proforma` asked: its currency and total, and made
    /// from it where the provider says what it was made from.
    func isVATInvoice(for proforma: FakturowniaInvoice) -> Bool {
        kind == FakturowniaInvoiceKind.vat.rawValue && currency == proforma.currency && totalGross == proforma.totalGross
            && (fromInvoiceID.map { $0 == proforma.id } ?? true)
    }
}

// MARK: - Payments (§8)

package struct FakturowniaPaymentDraft: Sendable, Equatable {
    package var invoiceID: Int64
    package var amount: MinorUnits
    package var name: String?
    /// `YYYY-MM-DD`; nil for today.
    package var paidDate: String?
    package var currency: String?
    /// Who collected the money (e.g. the platform's payment provider).
    package var provider: String?
    package var description: String?

    package init(
        invoiceID: Int64, amount: MinorUnits, name: String? = nil, paidDate: String? = nil, currency: String? = nil, provider: String? = nil,
        description: String? = nil
    ) {
        self.invoiceID = invoiceID
        self.amount = amount
        self.name = name
        self.paidDate = paidDate
        self.currency = currency
        self.provider = provider
        self.description = description
    }
}

package struct FakturowniaPayment: Sendable, Equatable {
    package let id: Int64
    package let invoiceID: Int64?
    package let amount: MinorUnits
    package let paid: Bool?
    package let paidDate: String?
}

// MARK: - Webhooks (§9)

package enum FakturowniaWebhookKind: String, Sendable, CaseIterable {
    case invoiceCreate = "invoice:create"
    case invoiceUpdate = "invoice:update"
    case invoiceDestroy = "invoice:destroy"
}

/// A webhook stored on an account; `secret` is the `api_token` the provider echoes in deliveries.
package struct FakturowniaWebhook: Sendable, Equatable {
    package let id: Int64
    /// The provider's kind text (`invoice:update`); `knownKind` for the three invoice events.
    package let kind: String
    package let url: String
    package let secret: Secret
    package let active: Bool

    package var knownKind: FakturowniaWebhookKind? { FakturowniaWebhookKind(rawValue: kind) }
}
