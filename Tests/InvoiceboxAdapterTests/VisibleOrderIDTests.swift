import FolioDomain
import Foundation
import JSONWire
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

/// The number the guest sees travels as `merchantOrderIdVisible`, next to the id recovery uses.
@Suite struct VisibleOrderIDTests {
    static func draft(visibleOrderID: String?) -> OrderDraft {
        let line = OrderLine(basket: BasketLineRequest(sku: "ROOM", name: "Room", quantity: 1, unitPrice: MinorUnits(10_000), vatCode: .none))
        return OrderDraft(
            merchantOrderID: "0190f1a2-3b4c-7d5e-8f60-718293a4b5c6", description: "Stay", currency: .rub,
            expiresAt: Date(timeIntervalSince1970: 2_000_000_000), customer: OrderCustomer(kind: .private, email: "g@example.org"),
            lines: [line], visibleOrderID: visibleOrderID
        )
    }

    @Test func theVisibleNumberFollowsTheMerchantOrderID() throws {
        let payload = String(
            decoding: try OrderWireFormat.createOrder(Self.draft(visibleOrderID: "Бронь SZ-77120"), merchantID: "m").serialized(), as: UTF8.self)
        #expect(
            payload.hasPrefix(
                #"{"merchantId":"m","merchantOrderId":"0190f1a2-3b4c-7d5e-8f60-718293a4b5c6","merchantOrderIdVisible":"Бронь SZ-77120","description":"Stay","#
            ),
            "\(payload)"
        )
    }

    @Test func withoutAVisibleNumberTheFieldIsLeftOut() throws {
        let payload = String(decoding: try OrderWireFormat.createOrder(Self.draft(visibleOrderID: nil), merchantID: "m").serialized(), as: UTF8.self)
        #expect(payload.hasPrefix(#"{"merchantId":"m","merchantOrderId":"0190f1a2-3b4c-7d5e-8f60-718293a4b5c6","description":"Stay","#), "\(payload)")
        #expect(!payload.contains("merchantOrderIdVisible"))
    }
}
