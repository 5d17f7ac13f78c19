import Foundation
import Hummingbird

extension InvoiceboxSandbox {
    /// Shipments under `prefix` (`/v3`, `/l3`): create, and the two list paths the sources name.
    func addShipmentRoutes(to router: Router<BasicRequestContext>, prefix: String) {
        let state = self.state
        let routes = configuration.shipmentListRoutes
        router.post("\(prefix)/billing/api/order/shipment") { request, _ -> Response in
            let merchant = try await Self.merchant(request, state: state)
            return Self.json(try await state.createShipment(try await Self.body(request), merchant: merchant))
        }
        router.get("\(prefix)/billing/api/order/shipment") { request, _ -> Response in
            guard routes != .filterOnly else { throw SandboxError.notFound }
            let merchant = try await Self.merchant(request, state: state)
            return Self.json(try await state.listShipments(try FilterQuery(rawQuery: request.uri.query ?? ""), merchant: merchant))
        }
        router.get("\(prefix)/filter/api/order/shipment") { request, _ -> Response in
            guard routes != .billingOnly else { throw SandboxError.notFound }
            let merchant = try await Self.merchant(request, state: state)
            return Self.json(try await state.listShipments(try FilterQuery(rawQuery: request.uri.query ?? ""), merchant: merchant))
        }
    }

    /// The admin route that pays an order with a hold, as the tests and demos use it.
    func addHoldRoutes(to router: Router<BasicRequestContext>) {
        let state = self.state
        router.post("/__sandbox/orders/:id/hold") { _, context -> Response in
            try await state.hold(orderID: try context.parameters.require("id"))
            return Self.json(SandboxJSON.serialize(["status": "hold"]))
        }
    }
}
