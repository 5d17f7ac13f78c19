import FolioDomain
import Foundation

/// The operations Folio needs from a payment provider. Invoicebox implements it; a second
/// provider would too, without the invoicing service changing.
package protocol PaymentProvider: Sendable {
    /// Whether the shop's token is accepted.
    func checkToken(of shop: ShopCredentials) async throws -> Bool
    /// Whether the shop's token may act for the shop's merchant id.
    func ownsMerchant(_ shop: ShopCredentials) async throws -> Bool
    /// Asks the provider to invite a business by e-mail, for `tenant`; returns the invitation id.
    func invite(email: String, partner: PartnerCredentials, tenant: TenantID) async throws -> String
    /// Turns an activation code into the shop's merchant id and token, for `tenant`.
    func activate(code: String, partner: PartnerCredentials, tenant: TenantID) async throws -> ActivatedShop
    /// Creates the order, or adopts the one an earlier attempt created with the same `merchantOrderID`.
    func createOrder(_ draft: OrderDraft, shop: ShopCredentials) async throws -> ProviderOrder
    func order(id: String, shop: ShopCredentials) async throws -> ProviderOrder?
    func order(merchantOrderID: String, shop: ShopCredentials) async throws -> ProviderOrder?
    func listOrders(_ query: OrderQuery, shop: ShopCredentials) async throws -> ProviderPage<ProviderOrder>
    func updateOrder(id: String, description: String?, expiresAt: Date?, shop: ShopCredentials) async throws -> ProviderOrder
    func cancelOrder(id: String, shop: ShopCredentials) async throws -> ProviderOrder
    func refundableItems(orderID: String, shop: ShopCredentials) async throws -> [RefundableItem]
    /// Creates the refund, or adopts the one an earlier attempt created with the same `merchantOrderID`.
    func createRefund(_ draft: RefundDraft, shop: ShopCredentials) async throws -> ProviderRefund
    /// The refund of `parentOrderID` made under `merchantOrderID`, if the provider has one.
    func refund(merchantOrderID: String, parentOrderID: String, shop: ShopCredentials) async throws -> ProviderRefund?
    func listRefunds(parentOrderID: String, shop: ShopCredentials) async throws -> [ProviderRefund]
}

/// A query of the provider's filter endpoint.
package struct OrderQuery: Sendable, Equatable {
    package var statuses: [ProviderOrderStatus] = []
    package var merchantOrderID: String?
    package var createdFrom: Date?
    package var createdBefore: Date?
    /// Newest first when true.
    package var newestFirst = true
    package var page = 1
    package var pageSize = 30

    package init(statuses: [ProviderOrderStatus] = [], merchantOrderID: String? = nil, createdFrom: Date? = nil, createdBefore: Date? = nil, newestFirst: Bool = true, page: Int = 1, pageSize: Int = 30) {
        self.statuses = statuses
        self.merchantOrderID = merchantOrderID
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.newestFirst = newestFirst
        self.page = page
        self.pageSize = pageSize
    }

    /// The documented grammar: `field[]=` lists, `[_ge]`/`[_lt]` operators, `_order[field]=`,
    /// and both paging spellings (the documented one and the one the newest official client uses).
    var queryItems: [(String, String)] {
        var items: [(String, String)] = statuses.map { ("status[]", $0.rawValue) }
        if let merchantOrderID { items.append(("merchantOrderId", merchantOrderID)) }
        if let createdFrom { items.append(("createdAt[_ge]", WireDate.format(createdFrom))) }
        if let createdBefore { items.append(("createdAt[_lt]", WireDate.format(createdBefore))) }
        items.append(("_order[createdAt]", newestFirst ? "desc" : "asc"))
        items.append(("page", String(page)))
        items.append(("pageSize", String(pageSize)))
        items.append(("_page", String(page)))
        items.append(("_pageSize", String(pageSize)))
        return items
    }
}
