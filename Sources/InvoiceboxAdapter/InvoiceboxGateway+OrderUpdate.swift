import FolioDomain
import Foundation
import JSONWire
import NIOHTTP1
import PaymentsPort

extension InvoiceboxGateway {
    /// `PUT /billing/api/order/order/{uuid}` (invoicebox-api.md §9.7) with the draft's content,
    /// priced as a new order is, so that the merged order passes the arithmetic of §11.
    package func updateOrder(id: String, to draft: OrderDraft, shop: ShopCredentials) async throws -> ProviderOrder {
        try await translatingErrors(orderFields: true) {
            let response = try await send(
                .init(
                    method: .PUT, path: "/billing/api/order/order/\(InvoiceboxTransport.percentEncode(id))",
                    body: try OrderWireFormat.updateOrder(draft).serialized(), kind: .write, operation: "update order"
                ),
                shop: shop
            )
            guard let data = response.data else {
                throw InvoiceboxError.malformedResponse(reason: "no data", status: response.status, requestID: response.requestID)
            }
            return try ProviderOrder(data)
        }
    }
}

extension OrderWireFormat {
    /// The UpdateOrderRequest of invoicebox-api.md §9.7: only the members it lists. The return
    /// links, language and currency are not among them and stay as the order was created.
    static func updateOrder(_ draft: OrderDraft) throws(InvoiceboxError) -> WireJSON {
        let priced = try draft.priced
        return .object([
            ("description", .string(draft.description)),
            ("amount", .money(priced.amount)),
            ("vatAmount", .money(priced.vat)),
            ("expirationDate", .string(WireDate.format(draft.expiresAt))),
            ("basketItems", .array(zip(priced.lines, draft.lines).map { basketItem($0, attributes: $1) })),
            ("customer", customer(draft.customer)),
            ("metaData", draft.reservation.map(reservationPackage)),
        ])
    }
}
