import FolioDomain
import Foundation

/// What the host says was rendered of a paid (or held) order: the provider forms the closing
/// documents and receipts from it, and captures held funds.
package struct ShipmentDraft: Sendable, Equatable {
    package var orderID: String
    /// The document the shipment is recorded under; it also finds the shipment again after a
    /// lost answer, since a shipment carries no id of the host's own. At most 36 characters.
    package var documentNumber: String
    /// `YYYY-MM-DD`.
    package var documentDate: String?
    package var lines: [OrderLine]
    /// No more shipments follow: what no shipment took of held funds goes back to the payer.
    package var final: Bool

    package init(orderID: String, documentNumber: String, documentDate: String? = nil, lines: [OrderLine], final: Bool) {
        self.orderID = orderID
        self.documentNumber = documentNumber
        self.documentDate = documentDate
        self.lines = lines
        self.final = final
    }
}

/// A shipment's status at the provider.
package enum ProviderShipmentStatus: Hashable, Sendable, CustomStringConvertible {
    case draft
    /// Being processed.
    case pending
    /// Done: the documents are formed.
    case completed
    /// No longer counts against the order.
    case canceled
    /// A status this version does not know, as the provider spelled it.
    case unrecognized(String)

    package var description: String {
        switch self {
        case .draft: "draft"
        case .pending: "pending"
        case .completed: "completed"
        case .canceled: "canceled"
        case .unrecognized(let raw): raw
        }
    }
}

/// A shipment at the provider, reduced to what Folio uses.
package struct ProviderShipment: Sendable, Equatable {
    package var id: String
    package var orderID: String
    package var merchantID: String?
    package var documentNumber: String?
    package var status: ProviderShipmentStatus
    package var amount: MinorUnits
    package var final: Bool

    package init(
        id: String, orderID: String, merchantID: String?, documentNumber: String?, status: ProviderShipmentStatus, amount: MinorUnits, final: Bool
    ) {
        self.id = id
        self.orderID = orderID
        self.merchantID = merchantID
        self.documentNumber = documentNumber
        self.status = status
        self.amount = amount
        self.final = final
    }
}
