import Foundation

extension SandboxState {
    /// The provider cancels a paid order (a guarantee payment returned to the payer,
    /// invoicebox-api.md §9.8 rule 3): `completed` becomes `canceled`, and the shop is notified
    /// unless `notifiesReversals` is off.
    package func reverse(orderID: String) throws(SandboxError) {
        expireDueOrders()
        guard var reversed = order(id: orderID) else { throw .notFound }
        guard reversed.status == "completed" else { throw .wrongStatus }
        reversed.status = "canceled"
        if configuration.notifiesReversals {
            storeAndNotify(reversed)
        } else {
            storeQuietly(reversed)
        }
    }

    /// The order's status as the sandbox holds it, for tests and demos to inspect.
    package func orderStatus(id: String) -> String? {
        order(id: id)?.status
    }

    /// The order's amount in minor units and its description, for tests to inspect an update.
    package func orderContent(id: String) -> (amountMinor: Int64, description: String?)? {
        guard let order = order(id: id) else { return nil }
        let request = (try? JSONSerialization.jsonObject(with: order.request)) as? [String: Any]
        return (order.amountMinor, request?["description"] as? String)
    }
}
