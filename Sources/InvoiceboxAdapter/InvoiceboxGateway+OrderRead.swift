import Foundation
import NIOHTTP1
import PaymentsPort

extension InvoiceboxGateway {
    /// One order by id (invoicebox-api.md §9.6, §19 #5): through the undocumented single-order
    /// route the newest official client uses, or through the documented filter endpoint where
    /// that route is missing. Which one works is learned per base URL and remembered for a few
    /// hours (`ProviderDialects`), then checked again.
    package func order(id: String, shop: ShopCredentials) async throws -> ProviderOrder? {
        try await translatingErrors { try await readOrder(id: id, shop: shop) }
    }

    private func readOrder(id: String, shop: ShopCredentials) async throws -> ProviderOrder? {
        let dialects = transport.configuration.dialects
        if await dialects.orderReadRoute(for: shop.baseURL) == .filter {
            return try await orderThroughFilter(id: id, shop: shop).order
        }
        let response: InvoiceboxTransport.Response
        do {
            response = try await send(
                .init(method: .GET, path: "/billing/api/order/order/\(InvoiceboxTransport.percentEncode(id))", kind: .read, operation: "read order"),
                shop: shop
            )
        } catch let error as InvoiceboxError {
            switch error {
            case .rejected(405, _, _, _, _):
                // The path is served, but not for reading.
                await dialects.remember(OrderReadRoute.filter, for: shop.baseURL)
                return try await orderThroughFilter(id: id, shop: shop).order
            case .rejected(404, _, _, _, _), .malformedResponse:
                // A 404 says "no such order" as well as "no such route", and an unreadable answer
                // may be a proxy's page: the route is taken to be missing only when the filter
                // finds this shop's order that the route did not. An unknown order costs a second
                // read; a known one is never read through a route that does not serve it.
                let found = try await orderThroughFilter(id: id, shop: shop)
                if found.provesRoute { await dialects.remember(OrderReadRoute.filter, for: shop.baseURL) }
                if case .rejected = error { return found.order }
                if found.order != nil { return found.order }
                throw error
            default:
                throw error
            }
        }
        guard let data = response.data else {
            // A success without data says nothing of the route (an empty answer from a proxy, or
            // an order the provider would not show): this read asks the filter, and nothing is
            // remembered.
            return try await orderThroughFilter(id: id, shop: shop).order
        }
        guard data.optionalString("id")?.lowercased() == id.lowercased() else {
            // A success that is not the order asked for: the route is taken to be missing only
            // when the filter finds the order.
            let found = try await orderThroughFilter(id: id, shop: shop)
            if found.provesRoute { await dialects.remember(OrderReadRoute.filter, for: shop.baseURL) }
            return found.order
        }
        let order = try ProviderOrder(data)
        if await dialects.orderReadRoute(for: shop.baseURL) == nil { await dialects.remember(.single, for: shop.baseURL) }
        return owned(order, by: shop, response: response)
    }

    /// The order with `id` through `GET /filter/api/order/order?id=`, and whether that answer
    /// proves the filter serves what the single-order route did not: only a row that is the
    /// order asked for and names the asking shop does (a row of another shop, or one that names
    /// none, may be a filter the server ignored).
    private func orderThroughFilter(id: String, shop: ShopCredentials) async throws -> (order: ProviderOrder?, provesRoute: Bool) {
        let response = try await send(
            .init(method: .GET, path: "/filter/api/order/order", query: [("id", id)], kind: .read, operation: "read order"),
            shop: shop
        )
        let rows = OrderRows(response.dataList, operation: "read order", logger: transport.logger)
        // The filter may be ignored by the server, so only an exact match counts.
        if let found = rows.orders.first(where: { $0.id.lowercased() == id.lowercased() }) {
            return (owned(found, by: shop, response: response), found.merchantID == shop.merchantID)
        }
        // The sought order may be the row that could not be read: not finding it is then no answer.
        if let unreadable = rows.skipped.first(where: { $0.orderID?.lowercased() == id.lowercased() }) {
            throw unreadable.error
        }
        return (nil, false)
    }
}
