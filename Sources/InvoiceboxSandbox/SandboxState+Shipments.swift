import Foundation

/// Which shipment list paths the sandbox serves (invoicebox-api.md §13.2, §19 #4).
package enum SandboxShipmentListRoutes: Sendable {
    /// `GET /filter/api/order/shipment` and `GET /billing/api/order/shipment`.
    case both
    /// Only the documented `GET /filter/api/order/shipment`.
    case filterOnly
    /// Only `GET /billing/api/order/shipment`, which the official client calls.
    case billingOnly
}

/// A shipment: the shop's word that a service was rendered (invoicebox-api.md §13.1).
struct SandboxShipment: Sendable {
    /// The provider numbers shipments with integers.
    var id: Int
    var orderID: String
    var merchantID: String
    var documentNumber: String?
    var documentDate: String?
    var amountMinor: Int64
    var vatMinor: Int64
    var final: Bool
    /// `completed` once recorded; `canceled` ones no longer count against the order.
    var status: String
    var createdAt: Date
    /// The lines as received.
    var basketItems: Data
}

/// The shops' shipments, and what the shipments of held orders captured and released.
struct SandboxShipmentLedger: Sendable {
    var shipments: [SandboxShipment] = []
    var nextID = 1
    /// Minor units taken from a hold by its shipments, by order id.
    var captured: [String: Int64] = [:]
    /// Minor units of a hold given back to the payer by a final shipment, by order id.
    var released: [String: Int64] = [:]
    /// Orders a final shipment closed: no more shipments are taken.
    var closed: Set<String> = []

    func shipped(orderID: String) -> Int64 {
        shipments.filter { $0.orderID == orderID && $0.status != "canceled" }.reduce(0) { $0 + $1.amountMinor }
    }
}

extension SandboxState {
    // MARK: - Payer actions (admin)

    /// The payer pays with a hold (a guarantee): the money is blocked on the card, the order
    /// becomes `hold`, and the shop is notified. A shipment captures it, a cancel releases it.
    package func hold(orderID: String) throws(SandboxError) {
        expireDueOrders()
        guard var order = order(id: orderID) else { throw .notFound }
        guard order.status == "created" else { throw .wrongStatus }
        order.status = "hold"
        storeAndNotify(order)
    }

    // MARK: - Shipments

    /// `POST /billing/api/order/shipment`. The basket is checked like an order's; all shipments
    /// of an order that are not canceled never add up to more than the order. A shipment of a
    /// held order captures the funds (the order becomes `completed`, and the shop is notified);
    /// a `final` one closes the order and releases what no shipment took.
    func createShipment(_ json: [String: Any], merchant: SandboxMerchant) throws(SandboxError) -> Data {
        expireDueOrders()
        let orderID = try OrderValidation.requireString(json, "orderId", maxLength: 36)
        var order = try ownedOrder(orderID, by: merchant)
        guard order.status == "completed" || order.status == "hold", !shipmentLedger.closed.contains(orderID) else { throw .wrongStatus }
        let documentNumber = try OrderValidation.optionalString(json, "documentNumber", maxLength: 36)
        let documentDate = try OrderValidation.optionalString(json, "documentDate", maxLength: 10)
        if let documentDate, OrderValidation.date(documentDate + "T00:00:00+00:00") == nil {
            throw .invalid("validation_error", field: "documentDate", message: "documentDate is YYYY-MM-DD")
        }
        var final = false
        if let raw = json["final"], !(raw is NSNull) {
            guard let flag = raw as? NSNumber, SandboxMoney.isBoolean(flag) else {
                throw .invalid("validation_error", field: "final", message: "final is a boolean")
            }
            final = flag.boolValue
        }
        // The request carries no totals: they are the sums of the lines, each checked on its own.
        let items = (json["basketItems"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        var amount: Int64 = 0
        var vat: Int64 = 0
        for (index, item) in items.enumerated() {
            amount += try OrderValidation.requireMoney(item, "totalAmount", path: "basketItems[\(index)].totalAmount")
            vat += try OrderValidation.requireMoney(item, "totalVatAmount", path: "basketItems[\(index)].totalVatAmount")
        }
        _ = try OrderValidation.basket(json, amountMinor: amount, vatMinor: vat, roundPolicy: "strict")
        guard amount > 0, shipmentLedger.shipped(orderID: orderID) + amount <= order.amountMinor else {
            throw .calculation("wrong_total_amount", field: "basketItems")
        }
        let shipment = SandboxShipment(
            id: shipmentLedger.nextID, orderID: orderID, merchantID: merchant.id, documentNumber: documentNumber, documentDate: documentDate,
            amountMinor: amount, vatMinor: vat, final: final, status: "completed", createdAt: Date(),
            basketItems: (try? JSONSerialization.data(withJSONObject: items)) ?? Data("[]".utf8)
        )
        shipmentLedger.nextID += 1
        shipmentLedger.shipments.append(shipment)
        let wasHeld = order.status == "hold" || shipmentLedger.captured[orderID] != nil
        if wasHeld { shipmentLedger.captured[orderID, default: 0] += amount }
        if final {
            shipmentLedger.closed.insert(orderID)
            if wasHeld { shipmentLedger.released[orderID] = order.amountMinor - shipmentLedger.shipped(orderID: orderID) }
        }
        if order.status == "hold" {
            order.status = "completed"
            order.paidAt = Date()
            storeAndNotify(order)
        }
        return SandboxJSON.envelope(shipmentObject(shipment))
    }

    /// Both shipment lists: filtered, sorted and paged like the other collections, unless the
    /// configuration says the `orderId` filter is ignored.
    func listShipments(_ query: FilterQuery, merchant: SandboxMerchant) throws(SandboxError) -> Data {
        let named = query.conditions.filter { $0.field == "merchantId" }.flatMap(\.values)
        guard named.allSatisfy({ $0 == merchant.id }) else { throw .forbidden }
        var query = query
        if configuration.shipmentListIgnoresOrderFilter {
            query.conditions.removeAll { $0.field == "orderId" }
        }
        let mine = shipmentLedger.shipments.filter { $0.merchantID == merchant.id }.map(shipmentObject)
        return try query.listed(by: configuration).page(of: mine)
    }

    /// The shipments of an order, oldest first, for tests and demos to inspect.
    package func shipmentCount(orderID: String) -> Int {
        shipmentLedger.shipments.filter { $0.orderID == orderID }.count
    }

    /// What the shipments of a held order captured and what a final one released, in minor units.
    package func heldFunds(orderID: String) -> (captured: Int64, released: Int64) {
        (shipmentLedger.captured[orderID] ?? 0, shipmentLedger.released[orderID] ?? 0)
    }

    /// The shipments of an order, oldest first: document number, amount and `final`.
    package func shipments(orderID: String) -> [(documentNumber: String?, amountMinor: Int64, final: Bool)] {
        shipmentLedger.shipments.filter { $0.orderID == orderID }.map { ($0.documentNumber, $0.amountMinor, $0.final) }
    }

    private func shipmentObject(_ shipment: SandboxShipment) -> [String: Any] {
        var object: [String: Any] = [
            "id": shipment.id, "orderId": shipment.orderID, "merchantId": shipment.merchantID, "status": shipment.status,
            "type": "shipment", "final": shipment.final, "amount": SandboxMoney.number(shipment.amountMinor),
            "vatAmount": SandboxMoney.number(shipment.vatMinor), "createdAt": wireTimestamp(shipment.createdAt),
            "basketItems": (try? JSONSerialization.jsonObject(with: shipment.basketItems)) ?? [Any](),
        ]
        if let documentNumber = shipment.documentNumber { object["documentNumber"] = documentNumber }
        if let documentDate = shipment.documentDate { object["documentDate"] = documentDate }
        return object
    }
}
