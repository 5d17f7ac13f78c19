import Foundation
import Hummingbird

extension InvoiceboxSandbox {
    /// The admin route that reverses a paid order, as the tests and demos use it.
    func addReversalRoutes(to router: Router<BasicRequestContext>) {
        let state = self.state
        router.post("/__sandbox/orders/:id/reverse") { _, context -> Response in
            try await state.reverse(orderID: try context.parameters.require("id"))
            return Self.json(SandboxJSON.serialize(["status": "canceled"]))
        }
    }
}
