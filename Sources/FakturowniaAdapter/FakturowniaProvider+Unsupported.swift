import Foundation
import PaymentsPort

/// What a ledger of VAT invoices does not do. Folio asks `capabilities` before calling these, so
/// reaching one is a mistake of the caller's, refused without a call to the provider.
extension FakturowniaProvider {
    /// An issued VAT invoice is changed only by a correction invoice, never edited in place
    /// (and not at all once KSeF has accepted it, §4).
    package func updateOrder(id: String, description: String?, expiresAt: Date?, shop: ShopCredentials) async throws -> ProviderOrder {
        throw PaymentError.invalidRequest(reason: "Fakturownia invoices are not edited; a correction invoice changes them")
    }

    package func updateOrder(id: String, to draft: OrderDraft, shop: ShopCredentials) async throws -> ProviderOrder {
        throw PaymentError.invalidRequest(reason: "Fakturownia invoices are not edited; a correction invoice changes them")
    }

    package func refundableItems(orderID: String, shop: ShopCredentials) async throws -> [RefundableItem] {
        throw PaymentError.invalidRequest(reason: "Fakturownia takes no payments, so it makes no refunds")
    }

    package func createRefund(_ draft: RefundDraft, shop: ShopCredentials) async throws -> ProviderRefund {
        throw PaymentError.invalidRequest(reason: "Fakturownia takes no payments, so it makes no refunds")
    }

    package func refund(merchantOrderID: String, parentOrderID: String, shop: ShopCredentials) async throws -> ProviderRefund? { nil }

    package func listRefunds(parentOrderID: String, shop: ShopCredentials) async throws -> [ProviderRefund] { [] }

    package func createShipment(_ draft: ShipmentDraft, shop: ShopCredentials) async throws -> ProviderShipment {
        throw PaymentError.invalidRequest(reason: "Fakturownia records no shipments and holds no funds to capture")
    }

    package func shipments(orderID: String, shop: ShopCredentials) async throws -> [ProviderShipment] { [] }

    // MARK: - Notifications

    /// Fakturownia's webhooks carry no signature, only a shared secret, and no order id of
    /// Folio's (§9): they go to their own route, never through the signed-notification path, so
    /// nothing here is ever taken for one of them.
    package func notification(from body: Data) -> ProviderNotification? { nil }

    package func verifySignature(of body: Data, headers: [(name: String, value: String)], key: NotificationKey) -> NotificationSignatureCheck {
        .invalid
    }

    package func notificationOutcome(_ verdict: NotificationVerdict) -> String {
        switch verdict {
        case .accepted: "accepted"
        case .retryLater: "retry_later"
        case .badSignature: "bad_signature"
        case .unknownOrder: "unknown_order"
        case .wrongAmount: "wrong_amount"
        case .wrongStatus: "wrong_status"
        case .alreadyPaid: "already_paid"
        }
    }

    /// An empty JSON object: Fakturownia documents no expected answer (§9).
    package func notificationReply(_ verdict: NotificationVerdict, message: String?) -> NotificationReply {
        NotificationReply(contentType: "application/json; charset=utf-8", body: Data("{}".utf8))
    }
}
