import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat

extension InvoiceboxSandbox {
    /// The provider's endpoints under `/v3/` and `/l3/`, and the admin API under `/__sandbox/`.
    package func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ProviderConventionsMiddleware(state: state, configuration: configuration))
        for prefix in ["v3", "l3"] {
            addProviderRoutes(to: router, prefix: "/\(prefix)")
            addShipmentRoutes(to: router, prefix: "/\(prefix)")
        }
        addAdminRoutes(to: router)
        addHoldRoutes(to: router)
        addReversalRoutes(to: router)
        SandboxPaymentPage.register(on: router, state: state)
        return router
    }

    private func addProviderRoutes(to router: Router<BasicRequestContext>, prefix: String) {
        let state = self.state
        router.get("\(prefix)/security/api/auth/auth") { request, _ -> Response in
            guard let token = Self.bearer(request) else {
                return Self.json(SandboxJSON.envelope(["userId": NSNull(), "profile": NSNull(), "accessToken": NSNull()]))
            }
            if let merchant = await state.merchant(token: token) {
                return Self.json(SandboxJSON.envelope(["userId": merchant.id, "profile": NSNull(), "accessToken": NSNull()]))
            }
            if await state.isPartner(token: token) {
                return Self.json(SandboxJSON.envelope(["userId": state.configuration.partnerID, "profile": NSNull(), "accessToken": NSNull()]))
            }
            throw SandboxError.unauthorized
        }
        router.post("\(prefix)/notification/api/invite") { request, _ -> Response in
            try await Self.requirePartner(request, state: state)
            let json = try await Self.body(request)
            let id = try await state.invite(
                partnerID: json["partnerId"] as? String ?? "", type: json["type"] as? String ?? "", identifier: json["identifier"] as? String ?? ""
            )
            return Self.json(SandboxJSON.envelope(["id": id]))
        }
        router.post("\(prefix)/billing/api/merchant/merchant-integration-setting/activation") { request, _ -> Response in
            try await Self.requirePartner(request, state: state)
            let json = try await Self.body(request)
            let merchant = try await state.activate(partnerID: json["partnerId"] as? String ?? "", code: json["activationCode"] as? String ?? "")
            return Self.json(SandboxJSON.envelope(["merchantId": merchant.id, "token": merchant.token]))
        }
        router.post("\(prefix)/billing/api/order/order") { request, _ -> Response in
            let merchant = try await Self.merchant(request, state: state)
            let raw = try await Self.rawBody(request)
            return Self.json(try await state.createOrder(try Self.parse(raw), body: raw, merchant: merchant))
        }
        router.get("\(prefix)/billing/api/order/order/:id") { request, context -> Response in
            switch state.configuration.singleOrderRoute {
            case .served: break
            case .absent: throw SandboxError.notFound
            case .methodNotAllowed: throw SandboxError(status: 405, code: "method_not_allowed", message: "Method Not Allowed")
            }
            let merchant = try await Self.merchant(request, state: state)
            return Self.json(try await state.order(id: try context.parameters.require("id"), merchant: merchant))
        }
        router.put("\(prefix)/billing/api/order/order/:id") { request, context -> Response in
            let merchant = try await Self.merchant(request, state: state)
            let json = try await Self.body(request)
            return Self.json(try await state.updateOrder(id: try context.parameters.require("id"), changes: json, merchant: merchant))
        }
        router.delete("\(prefix)/billing/api/order/order/:id") { request, context -> Response in
            let merchant = try await Self.merchant(request, state: state)
            return Self.json(try await state.cancelOrder(id: try context.parameters.require("id"), merchant: merchant))
        }
        router.get("\(prefix)/filter/api/order/order") { request, _ -> Response in
            let merchant = try await Self.merchant(request, state: state)
            return Self.json(try await state.listOrders(try FilterQuery(rawQuery: request.uri.query ?? ""), merchant: merchant))
        }
        router.get("\(prefix)/billing/api/order/order/:id/refund-basket-item") { request, context -> Response in
            let merchant = try await Self.merchant(request, state: state)
            return Self.json(try await state.refundableItems(orderID: try context.parameters.require("id"), merchant: merchant))
        }
        router.post("\(prefix)/billing/api/order/refund-order") { request, _ -> Response in
            let merchant = try await Self.merchant(request, state: state)
            return Self.json(try await state.createRefund(try await Self.body(request), merchant: merchant))
        }
        router.get("\(prefix)/filter/api/order/refund-order") { request, _ -> Response in
            let merchant = try await Self.merchant(request, state: state)
            return Self.json(try await state.listRefunds(try FilterQuery(rawQuery: request.uri.query ?? ""), merchant: merchant))
        }
    }

    private func addAdminRoutes(to router: Router<BasicRequestContext>) {
        let state = self.state
        router.post("/__sandbox/merchants") { request, _ -> Response in
            let json = try await Self.body(request, allowEmpty: true)
            let created = await state.addMerchant(
                id: json["id"] as? String, token: json["token"] as? String,
                notificationKey: json["notificationKey"] as? String, notificationURL: json["notificationUrl"] as? String
            )
            return Self.json(SandboxJSON.serialize(["id": created.id, "token": created.token, "notificationKey": created.notificationKey]))
        }
        router.get("/__sandbox/merchants/:id/notification-key") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let key = await state.notificationKey(merchantID: id), let algorithm = await state.notificationAlgorithm(merchantID: id) else {
                throw SandboxError.notFound
            }
            return Self.json(SandboxJSON.serialize(["notificationKey": key, "algorithm": algorithm.rawValue]))
        }
        router.put("/__sandbox/merchants/:id/notification-key") { request, context -> Response in
            let json = try await Self.body(request)
            guard let key = json["notificationKey"] as? String, !key.isEmpty else {
                throw SandboxError.invalid("validation_error", field: "notificationKey", message: "notificationKey is a non-empty string")
            }
            let named = json["algorithm"] as? String ?? SandboxSignatureAlgorithm.sha1.rawValue
            guard let algorithm = SandboxSignatureAlgorithm(rawValue: named) else {
                throw SandboxError.invalid("validation_error", field: "algorithm", message: "algorithm is sha1, sha256 or sha512")
            }
            guard await state.setNotificationKey(merchantID: try context.parameters.require("id"), key: key, algorithm: algorithm) else {
                throw SandboxError.notFound
            }
            return Self.json(SandboxJSON.serialize(["notificationKey": key, "algorithm": algorithm.rawValue]))
        }
        router.get("/__sandbox/invites/:email") { _, context -> Response in
            let email = try context.parameters.require("email")
            guard let code = await state.activationCode(email: email) else { throw SandboxError.notFound }
            var answer: [String: Any] = ["activationCode": code]
            if let shop = await state.activatedMerchant(email: email) {
                answer["merchantId"] = shop.id
                answer["token"] = shop.token
            }
            return Self.json(SandboxJSON.serialize(answer))
        }
        router.post("/__sandbox/orders/:id/pay") { _, context -> Response in
            try await state.pay(orderID: try context.parameters.require("id"))
            return Self.json(SandboxJSON.serialize(["status": "completed"]))
        }
        router.post("/__sandbox/orders/:id/expire") { _, context -> Response in
            try await state.expire(orderID: try context.parameters.require("id"))
            return Self.json(SandboxJSON.serialize(["status": "expired"]))
        }
        router.post("/__sandbox/orders/:id/renotify") { _, context -> Response in
            try await state.renotify(orderID: try context.parameters.require("id"))
            return Self.json(SandboxJSON.serialize(["status": "queued"]))
        }
        router.post("/__sandbox/refunds/:id/complete") { _, context -> Response in
            try await state.completeRefund(id: try context.parameters.require("id"))
            return Self.json(SandboxJSON.serialize(["status": "completed"]))
        }
        router.post("/__sandbox/refunds/:id/cancel") { _, context -> Response in
            try await state.cancelRefund(id: try context.parameters.require("id"))
            return Self.json(SandboxJSON.serialize(["status": "canceled"]))
        }
        router.post("/__sandbox/faults") { request, _ -> Response in
            let json = try await Self.body(request)
            guard let kind = (json["kind"] as? String).flatMap(SandboxFault.Kind.init(rawValue:)) else {
                throw SandboxError.invalid(
                    "validation_error", field: "kind", message: "kind is latency, status, drop_response, hang, malformed_body or empty_data")
            }
            await state.inject(
                SandboxFault(
                    kind: kind, method: json["method"] as? String, pathContains: json["pathContains"] as? String,
                    remaining: (json["count"] as? Int) ?? 1, status: (json["status"] as? Int) ?? 500,
                    code: (json["code"] as? String) ?? "internal_error",
                    milliseconds: (json["milliseconds"] as? Int) ?? 0, retryAfterSeconds: json["retryAfterSeconds"] as? Int,
                    field: json["field"] as? String
                )
            )
            return Self.json(SandboxJSON.serialize(["status": "armed"]))
        }
        router.delete("/__sandbox/faults") { _, _ -> Response in
            await state.clearFaults()
            return Self.json(SandboxJSON.serialize(["status": "cleared"]))
        }
        router.get("/__sandbox/notifications") { _, _ -> Response in
            let attempts = await state.notificationAttempts().map { attempt -> [String: Any] in
                [
                    "orderId": attempt.orderID, "status": attempt.status, "attempt": attempt.attempt, "url": attempt.url,
                    "httpStatus": attempt.httpStatus.map { $0 as Any } ?? NSNull(), "outcome": attempt.outcome,
                    "at": OrderValidation.format(attempt.at),
                ]
            }
            return Self.json(SandboxJSON.serialize(["data": attempts]))
        }
    }

    // MARK: - Helpers

    static func json(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    static func merchant(_ request: Request, state: SandboxState) async throws(SandboxError) -> SandboxMerchant {
        guard let token = bearer(request), let merchant = await state.merchant(token: token) else { throw .unauthorized }
        return merchant
    }

    static func requirePartner(_ request: Request, state: SandboxState) async throws(SandboxError) {
        guard let token = bearer(request), await state.isPartner(token: token) else { throw .unauthorized }
    }

    static func rawBody(_ request: Request) async throws -> Data {
        var request = request
        return Data(buffer: try await request.collectBody(upTo: 4 << 20))
    }

    static func parse(_ raw: Data) throws(SandboxError) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: raw) as? [String: Any] else {
            throw .invalid("validation_error", message: "The request body is not a JSON object")
        }
        return object
    }

    static func body(_ request: Request, allowEmpty: Bool = false) async throws -> [String: Any] {
        let raw = try await rawBody(request)
        if allowEmpty, raw.isEmpty { return [:] }
        return try parse(raw)
    }
}
