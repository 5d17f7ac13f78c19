import FolioDomain
import Foundation
import PaymentsPort

extension ProviderOrder {
    /// An OrderResponse, reduced to what Folio uses.
    init(_ object: WireObject) throws(InvoiceboxError) {
        self.init(
            id: try object.string("id"),
            merchantID: object.optionalString("merchantId"),
            merchantOrderID: try object.string("merchantOrderId"),
            status: ProviderOrderStatus(rawValue: try object.string("status")),
            amount: try object.money("amount"),
            vatAmount: try object.optionalMoney("vatAmount"),
            currency: try object.string("currencyId"),
            createdAt: try object.date("createdAt"),
            paidAt: try object.optionalDate("paidAt"),
            expirationDate: try object.optionalDate("expirationDate"),
            paymentURL: object.optionalString("paymentUrl"),
            orderContainerID: object.optionalString("orderContainerId")
        )
    }
}

extension ProviderRefund {
    /// A RefundOrderResponse.
    init(_ object: WireObject) throws(InvoiceboxError) {
        self.init(
            id: try object.string("id"),
            parentID: try object.string("parentId"),
            merchantOrderID: try object.string("merchantOrderId"),
            merchantID: object.optionalString("merchantId"),
            status: ProviderRefundStatus(invoicebox: try object.string("status")),
            amount: try object.money("amount"),
            vatAmount: try object.money("vatAmount"),
            currency: object.optionalString("currencyId"),
            createdAt: try object.date("createdAt")
        )
    }
}

extension ProviderRefundStatus {
    /// Invoicebox's refund statuses: a `draft` is accepted like a `created` one, and both
    /// spellings of canceled are seen.
    init(invoicebox status: String) {
        switch status {
        case "draft", "created": self = .created
        case "completed": self = .completed
        case "canceled", "cancelled": self = .canceled
        default: self = .unrecognized(status)
        }
    }
}

extension RefundableItem {
    init(_ object: WireObject) throws(InvoiceboxError) {
        self.init(
            sku: try object.string("sku"),
            name: try object.string("name"),
            vatCode: try object.string("vatCode"),
            totalAmount: try object.money("totalAmount"),
            // Assuming the whole line when the figure is missing would overstate what can be refunded.
            availableAmount: try object.money("availableAmount"),
            availableVATAmount: try object.optionalMoney("availableVatAmount")
        )
    }
}
