import FolioDomain
import Foundation

/// The operations Folio needs from a payment provider. Each provider's adapter implements it and
/// translates its own wire format, codes and errors at its edge: what crosses this protocol is
/// neutral, and every failure is a `PaymentError`.
package protocol PaymentProvider: Sendable {
    /// Which provider this is; a shop names the one that holds it.
    var name: ProviderName { get }
    /// What it can do beyond creating, reading and canceling; Folio asks before calling the rest.
    var capabilities: ProviderCapabilities { get }
    /// The provider's rules for the line and payer attributes only it interprets.
    var orderRules: any OrderRules { get }
    /// What the provider named does, when calls for its shops go through this one (a switch).
    func capabilities(of provider: ProviderName) -> ProviderCapabilities
    /// The rules of the provider named, when calls for its shops go through this one.
    func orderRules(for provider: ProviderName) -> any OrderRules
    /// The API variant a shop that names none is called with (see `ShopCredentials.apiVariant`).
    var defaultAPIVariant: String { get }
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
    /// The order made under the host's order id (Folio's invoice id), if the provider has one.
    func order(merchantOrderID: String, shop: ShopCredentials) async throws -> ProviderOrder?
    func listOrders(_ query: OrderQuery, shop: ShopCredentials) async throws -> ProviderPage<ProviderOrder>
    func updateOrder(id: String, description: String?, expiresAt: Date?, shop: ShopCredentials) async throws -> ProviderOrder
    /// Replaces what an unpaid order asks for with `draft`'s description, lines and totals, payer,
    /// expiry and reservation; the order keeps its id, currency and merchant order id. The
    /// provider refuses it once the order is paid, canceled or expired.
    func updateOrder(id: String, to draft: OrderDraft, shop: ShopCredentials) async throws -> ProviderOrder
    func cancelOrder(id: String, shop: ShopCredentials) async throws -> ProviderOrder
    func refundableItems(orderID: String, shop: ShopCredentials) async throws -> [RefundableItem]
    /// Creates the refund, or adopts the one an earlier attempt created with the same `merchantOrderID`.
    func createRefund(_ draft: RefundDraft, shop: ShopCredentials) async throws -> ProviderRefund
    /// The refund of `parentOrderID` made under `merchantOrderID`, if the provider has one.
    func refund(merchantOrderID: String, parentOrderID: String, shop: ShopCredentials) async throws -> ProviderRefund?
    func listRefunds(parentOrderID: String, shop: ShopCredentials) async throws -> [ProviderRefund]
    /// Records that what `draft` lists was rendered (a shipment); for held funds it captures them.
    /// Never retried blindly: after a lost answer the caller looks for it with `shipments(orderID:)`.
    func createShipment(_ draft: ShipmentDraft, shop: ShopCredentials) async throws -> ProviderShipment
    /// Every shipment of the order at the provider, oldest first; only the order's own, whatever
    /// the provider's filter does.
    func shipments(orderID: String, shop: ShopCredentials) async throws -> [ProviderShipment]
    /// E-mails the order's document to `recipients` (the payer's address on the document when
    /// empty), with its PDF attached when `attachPDF`. Only with `capabilities.emailDocument`.
    func sendDocument(orderID: String, to recipients: [String], attachPDF: Bool, shop: ShopCredentials) async throws
    /// Records a payment taken elsewhere on the order and returns the order as it now stands.
    /// Only with `capabilities.recordPayments`; never retried blindly.
    func recordPayment(_ payment: PaymentRecord, orderID: String, shop: ShopCredentials) async throws -> ProviderOrder
    /// Issues the tax invoice for a paid proforma, made from it under `merchantOrderID`, or adopts
    /// the one an earlier attempt issued under that id. Only with `capabilities.proformas`.
    func issueTaxInvoice(fromProforma proformaID: String, merchantOrderID: String, shop: ShopCredentials) async throws -> ProviderOrder

    /// The claim a notification body makes, in neutral terms; `nil` when the body is not a
    /// notification this provider sends.
    func notification(from body: Data) -> ProviderNotification?
    /// Checks the notification's signature, over the body bytes exactly as received, with the
    /// shop's notification key and the algorithm chosen for it.
    func verifySignature(of body: Data, headers: [(name: String, value: String)], key: NotificationKey) -> NotificationSignatureCheck
    /// The provider's name for a verdict, as its answer carries it; Folio records and counts
    /// notifications under this name.
    func notificationOutcome(_ verdict: NotificationVerdict) -> String
    /// The answer body the provider expects for a verdict, with Folio's explanation if any.
    func notificationReply(_ verdict: NotificationVerdict, message: String?) -> NotificationReply
}

extension PaymentProvider {
    package func capabilities(of provider: ProviderName) -> ProviderCapabilities { provider == name ? capabilities : [] }
    package func orderRules(for provider: ProviderName) -> any OrderRules { orderRules }

    package func sendDocument(orderID: String, to recipients: [String], attachPDF: Bool, shop: ShopCredentials) async throws {
        throw PaymentError.invalidRequest(reason: "\(name.rawValue) does not e-mail documents")
    }

    package func recordPayment(_ payment: PaymentRecord, orderID: String, shop: ShopCredentials) async throws -> ProviderOrder {
        throw PaymentError.invalidRequest(reason: "\(name.rawValue) takes payments itself; none can be recorded")
    }

    package func issueTaxInvoice(fromProforma proformaID: String, merchantOrderID: String, shop: ShopCredentials) async throws -> ProviderOrder {
        throw PaymentError.invalidRequest(reason: "\(name.rawValue) issues no proformas")
    }
}

/// A query of the provider's orders.
package struct OrderQuery: Sendable, Equatable {
    package var statuses: [ProviderOrderStatus] = []
    package var merchantOrderID: String?
    package var createdFrom: Date?
    package var createdBefore: Date?
    /// Newest first when true.
    package var newestFirst = true
    package var page = 1
    package var pageSize = 30

    package init(
        statuses: [ProviderOrderStatus] = [], merchantOrderID: String? = nil, createdFrom: Date? = nil, createdBefore: Date? = nil, newestFirst: Bool = true,
        page: Int = 1, pageSize: Int = 30
    ) {
        self.statuses = statuses
        self.merchantOrderID = merchantOrderID
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.newestFirst = newestFirst
        self.page = page
        self.pageSize = pageSize
    }
}
