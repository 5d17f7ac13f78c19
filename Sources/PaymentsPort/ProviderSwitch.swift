import FolioDomain
import Foundation

/// Every provider Folio is configured with, behind the one port: a call about a shop goes to the
/// provider that holds the shop (`ShopCredentials.provider`). What concerns no shop (the partner
/// invitation and activation, the signed notifications) is Invoicebox's, the primary provider's,
/// alone: Fakturownia has its own onboarding and webhook route.
package struct ProviderSwitch: PaymentProvider {
    package let primary: any PaymentProvider
    private let others: [ProviderName: any PaymentProvider]

    /// `primary` answers for itself and for every call that names no shop; `others` for their shops.
    package init(primary: any PaymentProvider, others: [any PaymentProvider] = []) {
        self.primary = primary
        self.others = Dictionary(others.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The provider named, when Folio is configured with it.
    package func provider(_ name: ProviderName) -> (any PaymentProvider)? {
        name == primary.name ? primary : others[name]
    }

    /// The provider that holds `shop`. A shop of a provider this process is not configured with
    /// is refused as unavailable: nothing is sent anywhere else.
    private func holder(of shop: ShopCredentials) throws -> any PaymentProvider {
        guard let provider = provider(shop.provider) else {
            throw PaymentError.unavailable(retryAfterSeconds: nil, ProviderDiagnostics(cause: "provider_not_configured", operation: shop.provider.rawValue))
        }
        return provider
    }

    /// The rules of the provider named, or the primary's when it is not configured.
    package func orderRules(for name: ProviderName) -> any OrderRules { provider(name)?.orderRules ?? primary.orderRules }
    package func capabilities(of name: ProviderName) -> ProviderCapabilities { provider(name)?.capabilities ?? [] }

    package var name: ProviderName { primary.name }
    package var capabilities: ProviderCapabilities { primary.capabilities }
    package var orderRules: any OrderRules { primary.orderRules }
    package var defaultAPIVariant: String { primary.defaultAPIVariant }

    package func checkToken(of shop: ShopCredentials) async throws -> Bool { try await holder(of: shop).checkToken(of: shop) }
    package func ownsMerchant(_ shop: ShopCredentials) async throws -> Bool { try await holder(of: shop).ownsMerchant(shop) }
    package func invite(email: String, partner: PartnerCredentials, tenant: TenantID) async throws -> String {
        try await primary.invite(email: email, partner: partner, tenant: tenant)
    }
    package func activate(code: String, partner: PartnerCredentials, tenant: TenantID) async throws -> ActivatedShop {
        try await primary.activate(code: code, partner: partner, tenant: tenant)
    }
    package func createOrder(_ draft: OrderDraft, shop: ShopCredentials) async throws -> ProviderOrder {
        try await holder(of: shop).createOrder(draft, shop: shop)
    }
    package func order(id: String, shop: ShopCredentials) async throws -> ProviderOrder? { try await holder(of: shop).order(id: id, shop: shop) }
    package func order(merchantOrderID: String, shop: ShopCredentials) async throws -> ProviderOrder? {
        try await holder(of: shop).order(merchantOrderID: merchantOrderID, shop: shop)
    }
    package func listOrders(_ query: OrderQuery, shop: ShopCredentials) async throws -> ProviderPage<ProviderOrder> {
        try await holder(of: shop).listOrders(query, shop: shop)
    }
    package func updateOrder(id: String, description: String?, expiresAt: Date?, shop: ShopCredentials) async throws -> ProviderOrder {
        try await holder(of: shop).updateOrder(id: id, description: description, expiresAt: expiresAt, shop: shop)
    }
    package func updateOrder(id: String, to draft: OrderDraft, shop: ShopCredentials) async throws -> ProviderOrder {
        try await holder(of: shop).updateOrder(id: id, to: draft, shop: shop)
    }
    package func cancelOrder(id: String, shop: ShopCredentials) async throws -> ProviderOrder { try await holder(of: shop).cancelOrder(id: id, shop: shop) }
    package func refundableItems(orderID: String, shop: ShopCredentials) async throws -> [RefundableItem] {
        try await holder(of: shop).refundableItems(orderID: orderID, shop: shop)
    }
    package func createRefund(_ draft: RefundDraft, shop: ShopCredentials) async throws -> ProviderRefund {
        try await holder(of: shop).createRefund(draft, shop: shop)
    }
    package func refund(merchantOrderID: String, parentOrderID: String, shop: ShopCredentials) async throws -> ProviderRefund? {
        try await holder(of: shop).refund(merchantOrderID: merchantOrderID, parentOrderID: parentOrderID, shop: shop)
    }
    package func listRefunds(parentOrderID: String, shop: ShopCredentials) async throws -> [ProviderRefund] {
        try await holder(of: shop).listRefunds(parentOrderID: parentOrderID, shop: shop)
    }
    package func createShipment(_ draft: ShipmentDraft, shop: ShopCredentials) async throws -> ProviderShipment {
        try await holder(of: shop).createShipment(draft, shop: shop)
    }
    package func shipments(orderID: String, shop: ShopCredentials) async throws -> [ProviderShipment] {
        try await holder(of: shop).shipments(orderID: orderID, shop: shop)
    }
    package func sendDocument(orderID: String, to recipients: [String], attachPDF: Bool, shop: ShopCredentials) async throws {
        try await holder(of: shop).sendDocument(orderID: orderID, to: recipients, attachPDF: attachPDF, shop: shop)
    }
    package func recordPayment(_ payment: PaymentRecord, orderID: String, shop: ShopCredentials) async throws -> ProviderOrder {
        try await holder(of: shop).recordPayment(payment, orderID: orderID, shop: shop)
    }
    package func issueTaxInvoice(fromProforma proformaID: String, merchantOrderID: String, shop: ShopCredentials) async throws -> ProviderOrder {
        try await holder(of: shop).issueTaxInvoice(fromProforma: proformaID, merchantOrderID: merchantOrderID, shop: shop)
    }

    package func notification(from body: Data) -> ProviderNotification? { primary.notification(from: body) }
    package func verifySignature(of body: Data, headers: [(name: String, value: String)], key: NotificationKey) -> NotificationSignatureCheck {
        primary.verifySignature(of: body, headers: headers, key: key)
    }
    package func notificationOutcome(_ verdict: NotificationVerdict) -> String { primary.notificationOutcome(verdict) }
    package func notificationReply(_ verdict: NotificationVerdict, message: String?) -> NotificationReply {
        primary.notificationReply(verdict, message: message)
    }
}
