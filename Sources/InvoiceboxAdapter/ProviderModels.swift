import FolioDomain
import Foundation

/// Where and as whom to call Invoicebox for one shop.
package struct ShopCredentials: Sendable {
    package var merchantID: String
    package var token: Secret
    package var baseURL: URL
    /// `v3`, or `l3` for shops registered through the Business cabinet.
    package var apiPrefix: APIPrefix
    /// The tenant the shop is used for, when there is one; part of the rate limiter's key.
    package var tenant: TenantID?

    package enum APIPrefix: String, Sendable {
        case v3, l3
    }

    package init(merchantID: String, token: Secret, baseURL: URL, apiPrefix: APIPrefix = .v3, tenant: TenantID? = nil) {
        self.merchantID = merchantID
        self.token = token
        self.baseURL = baseURL
        self.apiPrefix = apiPrefix
        self.tenant = tenant
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

/// An order status as the provider reports it; an open set, since official clients have seen
/// more values than the documentation lists.
package struct ProviderOrderStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }

    package static let created = Self(rawValue: "created")
    /// Paid.
    package static let completed = Self(rawValue: "completed")
    package static let expired = Self(rawValue: "expired")
    package static let canceled = Self(rawValue: "canceled")
    package static let hold = Self(rawValue: "hold")
    package static let draft = Self(rawValue: "draft")

    package var description: String { rawValue }
}

/// An order as Invoicebox returns it (OrderResponse), reduced to what Folio uses.
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

    package init(
        id: String, merchantID: String?, merchantOrderID: String, status: ProviderOrderStatus, amount: MinorUnits,
        vatAmount: MinorUnits?, currency: String, createdAt: Date, paidAt: Date?, expirationDate: Date?,
        paymentURL: String?, orderContainerID: String?
    ) {
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

    init(_ object: WireObject) throws(InvoiceboxError) {
        id = try object.string("id")
        merchantID = object.optionalString("merchantId")
        merchantOrderID = try object.string("merchantOrderId")
        status = ProviderOrderStatus(rawValue: try object.string("status"))
        amount = try object.money("amount")
        vatAmount = try object.optionalMoney("vatAmount")
        currency = try object.string("currencyId")
        createdAt = try object.date("createdAt")
        paidAt = try object.optionalDate("paidAt")
        expirationDate = try object.optionalDate("expirationDate")
        paymentURL = object.optionalString("paymentUrl")
        orderContainerID = object.optionalString("orderContainerId")
    }
}

/// A refund (RefundOrderResponse).
package struct ProviderRefund: Sendable, Equatable {
    package var id: String
    package var parentID: String
    package var merchantOrderID: String
    package var merchantID: String?
    package var status: String
    package var amount: MinorUnits
    package var vatAmount: MinorUnits
    package var currency: String?
    package var createdAt: Date

    init(_ object: WireObject) throws(InvoiceboxError) {
        id = try object.string("id")
        parentID = try object.string("parentId")
        merchantOrderID = try object.string("merchantOrderId")
        merchantID = object.optionalString("merchantId")
        status = try object.string("status")
        amount = try object.money("amount")
        vatAmount = try object.money("vatAmount")
        currency = object.optionalString("currencyId")
        createdAt = try object.date("createdAt")
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

    init(_ object: WireObject) throws(InvoiceboxError) {
        sku = try object.string("sku")
        name = try object.string("name")
        vatCode = try object.string("vatCode")
        totalAmount = try object.money("totalAmount")
        // Assuming the whole line when the figure is missing would overstate what can be refunded.
        availableAmount = try object.money("availableAmount")
        availableVATAmount = try object.optionalMoney("availableVatAmount")
    }
}

/// A page of a collection endpoint.
package struct ProviderPage<Item: Sendable>: Sendable {
    package var items: [Item]
    package var totalCount: Int
    package var page: Int
    package var pageSize: Int
}

/// What partner activation returns: the shop and its API token.
package struct ActivatedShop: Sendable {
    package var merchantID: String
    package var token: Secret
}
