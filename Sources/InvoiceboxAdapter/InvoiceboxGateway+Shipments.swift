import FolioDomain
import Foundation
import JSONWire
import NIOHTTP1
import PaymentsPort

extension InvoiceboxGateway {
    /// `POST /billing/api/order/shipment` (invoicebox-api.md §13.1), made once: a shipment has no
    /// id of the shop's own the provider would refuse a second time, so after a lost answer the
    /// caller looks for it with `shipments(orderID:)` before sending it again.
    package func createShipment(_ draft: ShipmentDraft, shop: ShopCredentials) async throws -> ProviderShipment {
        try await translatingErrors(orderFields: true) {
            let response = try await send(
                .init(
                    method: .POST, path: "/billing/api/order/shipment", body: try OrderWireFormat.createShipment(draft).serialized(),
                    kind: .write, operation: "create shipment"
                ),
                shop: shop
            )
            guard let data = response.data else {
                throw InvoiceboxError.malformedResponse(reason: "no data", status: response.status, requestID: response.requestID)
            }
            return try ProviderShipment(data, orderID: draft.orderID)
        }
    }

    /// Every shipment of the order, page by page. The sources name two paths (§13.2, §19 #4):
    /// the official client's `GET /billing/api/order/shipment` is asked first, the documented
    /// `GET /filter/api/order/shipment` when the provider does not serve the first (404 or 405);
    /// the path that answered is remembered per base URL, and the other is tried again only when
    /// it stops answering. Either may ignore its `orderId` filter, so a row of another order (or
    /// shop) is never taken.
    package func shipments(orderID: String, shop: ShopCredentials) async throws -> [ProviderShipment] {
        try await translatingErrors {
            let dialects = transport.configuration.dialects
            let first = await dialects.shipmentListRoute(for: shop.baseURL) ?? .billing
            do {
                let found = try await shipments(orderID: orderID, route: first, shop: shop)
                await dialects.remember(first, for: shop.baseURL)
                return found
            } catch let error as InvoiceboxError {
                guard case .rejected(let status, _, _, _, _) = error, status == 404 || status == 405 else { throw error }
                let found = try await shipments(orderID: orderID, route: first.other, shop: shop)
                await dialects.remember(first.other, for: shop.baseURL)
                return found
            }
        }
    }

    private func shipments(orderID: String, route: ShipmentListRoute, shop: ShopCredentials) async throws -> [ProviderShipment] {
        // Every page is read: a provider that ignores the filter answers every shipment of the
        // shop, oldest first, and the one sought is then the newest, on the last page.
        let rows = try await allRows(
            path: route.path, filter: [("orderId", orderID), ("_order[createdAt]", "asc")], operation: "list shipments", shop: shop)
        var found: [ProviderShipment] = []
        for row in rows where row.optionalString("orderId")?.lowercased() == orderID.lowercased() {
            let shipment = try ProviderShipment(row, orderID: orderID)
            if shipment.merchantID.map({ $0 == shop.merchantID }) ?? true { found.append(shipment) }
        }
        return found
    }
}

extension ProviderShipment {
    /// A ShipmentResponse: the request echoed with the provider's `id` (an integer), `merchantId`
    /// and, as the official client reads them, `status`, `final` and `amount`. An answer without
    /// `amount` is summed from its lines.
    init(_ object: WireObject, orderID: String) throws(InvoiceboxError) {
        var amount = try object.optionalMoney("amount")
        if amount == nil {
            var sum = MinorUnits.zero
            for line in object.objects("basketItems") {
                guard let next = sum.adding(try line.money("totalAmount")) else { throw object.fail("basketItems add up to too much") }
                sum = next
            }
            amount = sum
        }
        self.init(
            id: try object.string("id"),
            orderID: object.optionalString("orderId") ?? orderID,
            merchantID: object.optionalString("merchantId"),
            documentNumber: object.optionalString("documentNumber"),
            status: ProviderShipmentStatus(invoicebox: object.optionalString("status") ?? "completed"),
            amount: amount ?? .zero,
            final: object.optionalBool("final") ?? false
        )
    }
}

extension ProviderShipmentStatus {
    /// Invoicebox's shipment statuses (invoicebox-api.md §10.5); both spellings of canceled.
    init(invoicebox status: String) {
        switch status {
        case "draft": self = .draft
        case "pending": self = .pending
        case "completed": self = .completed
        case "canceled", "cancelled": self = .canceled
        default: self = .unrecognized(status)
        }
    }
}

extension OrderWireFormat {
    /// The CreateShipmentRequest of invoicebox-api.md §13.1. Each line is the settlement of what
    /// was paid for in advance (`full_payment`), and carries no `serviceDate`, which shipments
    /// do not list.
    static func createShipment(_ draft: ShipmentDraft) throws(InvoiceboxError) -> WireJSON {
        let (lines, _, _) = try OrderDraft.price(draft.lines)
        let attributes = draft.lines.map { line in
            var settled = line
            settled.paymentType = "full_payment"
            settled.serviceDate = nil
            return settled
        }
        return .object([
            ("orderId", .string(draft.orderID)),
            ("documentNumber", .string(draft.documentNumber)),
            ("documentDate", .optionalString(draft.documentDate)),
            ("basketItems", .array(zip(lines, attributes).map { basketItem($0, attributes: $1) })),
            ("final", .bool(draft.final)),
        ])
    }
}
