import AsyncHTTPClient
import Crypto
import FolioDomain
import Foundation
import JSONWire
import Logging
import NIOHTTP1
import PaymentsPort

/// Invoicebox API v3 over AsyncHTTPClient (invoicebox-api.md), as Folio's `PaymentProvider`:
/// every failure leaves it as a `PaymentError`.
///
/// Give it an `HTTPClient` whose redirects are disabled: a redirect answering a write must be an
/// error, not a second request somewhere else.
package struct InvoiceboxGateway: PaymentProvider {
    let transport: InvoiceboxTransport
    /// Each tenant's share of the partner account's requests.
    let partnerShares: SlidingWindowLimiter

    package init(http: HTTPClient, configuration: InvoiceboxClientConfiguration = .init(), logger: Logger) {
        self.transport = InvoiceboxTransport(http: http, configuration: configuration, logger: logger)
        self.partnerShares = SlidingWindowLimiter(limit: configuration.partnerRequestsPerTenant, window: configuration.window, clock: configuration.clock)
    }

    package var name: ProviderName { .invoicebox }
    /// Invoicebox e-mails receipts itself and is the payment rail, so nothing is sent or recorded
    /// on request; its payment page is the only document link.
    package var capabilities: ProviderCapabilities { [.refunds, .fulfilments, .edits] }
    package var orderRules: any OrderRules { InvoiceboxOrderRules() }

    /// `v3`; a shop registered through the Business cabinet is called under `l3` instead.
    package var defaultAPIVariant: String { "v3" }
    /// The prefixes the provider serves its API under; any other stored value is not sent as a path.
    static let apiVariants: Set<String> = ["v3", "l3"]

    package func checkToken(of shop: ShopCredentials) async throws -> Bool {
        try await translatingErrors {
            do {
                let response = try await send(.init(method: .GET, path: "/security/api/auth/auth", kind: .read, operation: "auth check"), shop: shop)
                // An anonymous caller gets 200 too, with no user: only a user id proves the token.
                return response.data?.optionalString("userId") != nil
            } catch let error as InvoiceboxError {
                if case .rejected(let status, _, _, _, _) = error, status == 401 || status == 403 { return false }
                throw error
            }
        }
    }

    /// Whether the shop's token may act for the shop's merchant id. The auth call names only the
    /// user, never its shops (invoicebox-api.md §7), so the proof is a one-row read of the filter
    /// endpoint for that merchant: the provider answers a token without rights to the merchant
    /// with 403 `forbidden` (§5), and any row of another merchant is taken as a refusal too.
    package func ownsMerchant(_ shop: ShopCredentials) async throws -> Bool {
        try await translatingErrors {
            do {
                let response = try await send(
                    .init(
                        method: .GET, path: "/filter/api/order/order",
                        query: [("merchantId", shop.merchantID)] + (await pagingItems(page: 1, pageSize: 1, shop: shop)),
                        kind: .read, operation: "merchant ownership check"
                    ),
                    shop: shop
                )
                return response.dataList.allSatisfy { $0.optionalString("merchantId") == shop.merchantID }
            } catch let error as InvoiceboxError {
                if case .rejected(let status, _, _, _, _) = error, status == 401 || status == 403 { return false }
                throw error
            }
        }
    }

    package func invite(email: String, partner: PartnerCredentials, tenant: TenantID) async throws -> String {
        try await translatingErrors {
            let body = WireJSON.object([("partnerId", .string(partner.partnerID)), ("type", .string("email")), ("identifier", .string(email))])
            let response = try await send(
                .init(method: .POST, path: "/notification/api/invite", body: body.serialized(), kind: .write, operation: "invite"),
                partner: partner, tenant: tenant
            )
            guard let data = response.data else { throw malformed("no data", response) }
            return try data.string("id")
        }
    }

    package func activate(code: String, partner: PartnerCredentials, tenant: TenantID) async throws -> ActivatedShop {
        do {
            let body = WireJSON.object([("partnerId", .string(partner.partnerID)), ("activationCode", .string(code))])
            let response = try await send(
                .init(
                    method: .POST, path: "/billing/api/merchant/merchant-integration-setting/activation",
                    body: body.serialized(), kind: .write, operation: "activation"
                ),
                partner: partner, tenant: tenant
            )
            guard let data = response.data else { throw malformed("no data", response) }
            return ActivatedShop(merchantID: try data.string("merchantId"), token: Secret(try data.string("token")))
        } catch let error as InvoiceboxError {
            throw error.activationPaymentError
        }
    }

    package func createOrder(_ draft: OrderDraft, shop: ShopCredentials) async throws -> ProviderOrder {
        // An order is paid on its own page; there is no proforma to issue a tax document from.
        guard draft.documentKind == .invoice else { throw PaymentError.invalidRequest(reason: "Invoicebox issues no proformas") }
        return try await translatingErrors(orderFields: true) {
            let request = InvoiceboxTransport.Request(
                method: .POST, path: "/billing/api/order/order",
                body: try OrderWireFormat.createOrder(draft, merchantID: shop.merchantID).serialized(),
                kind: .write, operation: "create order"
            )
            do {
                let response = try await send(request, shop: shop)
                guard let data = response.data else { throw malformed("no data", response) }
                return try ProviderOrder(data)
            } catch let error as InvoiceboxError {
                switch error {
                case .outcomeUnknown, .timedOut, .transport, .malformedResponse, .responseTooLarge,
                    .rejected(_, "merchant_order_id_duplicate", _, _, _):
                    // The order may exist (a lost or unreadable answer, or an earlier attempt, perhaps
                    // by a process that crashed): adopt it rather than risk a second one.
                    return try await adopt(draft, shop: shop, after: error)
                default:
                    throw error
                }
            }
        }
    }

    /// The order an earlier attempt made for `draft`, checked against it; the original error when
    /// there is none, or when the lookup itself fails (the outcome is then still unknown).
    private func adopt(_ draft: OrderDraft, shop: ShopCredentials, after original: InvoiceboxError) async throws -> ProviderOrder {
        let existing: ProviderOrder?
        do {
            existing = try await order(merchantOrderID: draft.merchantOrderID, shop: shop)
        } catch {
            throw original
        }
        guard let existing else { throw original }
        let expected = try draft.priced
        guard existing.amount == expected.amount, existing.currency == draft.currency.rawValue else {
            throw InvoiceboxError.existingOrderDiffers(orderID: existing.id, requestID: original.requestID)
        }
        return existing
    }

    package func order(merchantOrderID: String, shop: ShopCredentials) async throws -> ProviderOrder? {
        try await translatingErrors {
            let (page, skipped) = try await orderPage(OrderQuery(merchantOrderID: merchantOrderID, page: 1, pageSize: 2), shop: shop)
            // The filter may be ignored by the server, so only an exact match counts.
            if let found = page.items.first(where: { $0.merchantOrderID == merchantOrderID }) { return found }
            // The sought order may be the row that could not be read: not finding it is then no answer.
            if let unreadable = skipped.first(where: {
                ($0.merchantOrderID == nil || $0.merchantOrderID == merchantOrderID) && ($0.merchantID == nil || $0.merchantID == shop.merchantID)
            }) {
                throw unreadable.error
            }
            return nil
        }
    }

    package func listOrders(_ query: OrderQuery, shop: ShopCredentials) async throws -> ProviderPage<ProviderOrder> {
        try await translatingErrors { try await orderPage(query, shop: shop).page }
    }

    /// A page of orders, with the rows skipped because they could not be read.
    private func orderPage(_ query: OrderQuery, shop: ShopCredentials) async throws -> (page: ProviderPage<ProviderOrder>, skipped: [OrderRows.Skipped]) {
        let response = try await send(
            .init(
                method: .GET, path: "/filter/api/order/order",
                query: query.filterItems + (await pagingItems(page: query.page, pageSize: query.pageSize, shop: shop)),
                kind: .read, operation: "list orders"
            ),
            shop: shop
        )
        let meta = response.meta
        // Another page than the one asked for is no answer: its rows would be taken for this page's.
        if let echoed = meta.optionalString("page"), Int(echoed) != query.page {
            throw malformed("page \(echoed) answered for page \(query.page)", response)
        }
        let rows = OrderRows(response.dataList, operation: "list orders", logger: transport.logger)
        let orders = rows.orders
        let page = ProviderPage(
            items: orders.compactMap { owned($0, by: shop, response: response) },
            totalCount: Int(meta.optionalString("totalCount") ?? "") ?? orders.count,
            page: Int(meta.optionalString("page") ?? "") ?? query.page,
            pageSize: Int(meta.optionalString("pageSize") ?? "") ?? query.pageSize
        )
        return (page, rows.skipped)
    }

    package func updateOrder(id: String, description: String?, expiresAt: Date?, shop: ShopCredentials) async throws -> ProviderOrder {
        try await translatingErrors {
            let body = WireJSON.object([
                ("description", .optionalString(description)),
                ("expirationDate", .optionalString(expiresAt.map(WireDate.format))),
            ])
            let response = try await send(
                .init(
                    method: .PUT, path: "/billing/api/order/order/\(InvoiceboxTransport.percentEncode(id))", body: body.serialized(), kind: .write,
                    operation: "update order"),
                shop: shop
            )
            guard let data = response.data else { throw malformed("no data", response) }
            return try ProviderOrder(data)
        }
    }

    package func cancelOrder(id: String, shop: ShopCredentials) async throws -> ProviderOrder {
        try await translatingErrors {
            do {
                let response = try await send(
                    .init(method: .DELETE, path: "/billing/api/order/order/\(InvoiceboxTransport.percentEncode(id))", kind: .write, operation: "cancel order"),
                    shop: shop
                )
                guard let data = response.data else { throw malformed("no data", response) }
                return try ProviderOrder(data)
            } catch let error as InvoiceboxError {
                // After an interrupted cancel, a canceled order proves that it went through.
                switch error {
                case .outcomeUnknown, .timedOut, .transport, .malformedResponse, .responseTooLarge:
                    let current = try? await order(id: id, shop: shop)
                    if let current, current.status == .canceled { return current }
                    throw error
                default:
                    throw error
                }
            }
        }
    }

    package func refundableItems(orderID: String, shop: ShopCredentials) async throws -> [RefundableItem] {
        try await translatingErrors {
            let response = try await send(
                .init(
                    method: .GET, path: "/billing/api/order/order/\(InvoiceboxTransport.percentEncode(orderID))/refund-basket-item",
                    kind: .read, operation: "refundable items"
                ),
                shop: shop
            )
            return try response.dataList.map { try RefundableItem($0) }
        }
    }

    package func createRefund(_ draft: RefundDraft, shop: ShopCredentials) async throws -> ProviderRefund {
        try await translatingErrors {
            let request = InvoiceboxTransport.Request(
                method: .POST, path: "/billing/api/order/refund-order",
                body: try OrderWireFormat.createRefund(draft).serialized(), kind: .write, operation: "create refund"
            )
            do {
                let response = try await send(request, shop: shop)
                guard let data = response.data else { throw malformed("no data", response) }
                return try ProviderRefund(data)
            } catch let error as InvoiceboxError {
                switch error {
                case .outcomeUnknown, .timedOut, .transport, .malformedResponse, .responseTooLarge,
                    .rejected(_, "merchant_order_id_duplicate", _, _, _):
                    let found = try? await refund(merchantOrderID: draft.merchantOrderID, parentOrderID: draft.parentOrderID, shop: shop)
                    guard let existing = found else { throw error }
                    guard existing.amount == (try OrderDraft.price(draft.lines)).amount else {
                        throw InvoiceboxError.existingOrderDiffers(orderID: existing.id, requestID: error.requestID)
                    }
                    return existing
                default:
                    throw error
                }
            }
        }
    }

    package func listRefunds(parentOrderID: String, shop: ShopCredentials) async throws -> [ProviderRefund] {
        try await translatingErrors {
            // Every page: an order's refunds may outrun the provider's page size.
            let rows = try await allRows(
                path: "/filter/api/order/refund-order", filter: [("parentId", parentOrderID), ("_order[createdAt]", "asc")],
                operation: "list refunds", shop: shop)
            let refunds = try rows.map { try ProviderRefund($0) }
            return refunds.filter { $0.parentID == parentOrderID && owned($0, by: shop) }
        }
    }

    package func refund(merchantOrderID: String, parentOrderID: String, shop: ShopCredentials) async throws -> ProviderRefund? {
        try await translatingErrors {
            // Filtered by its own id rather than listing the parent's refunds, which may run to more
            // than one page.
            let response = try await send(
                .init(
                    method: .GET, path: "/filter/api/order/refund-order",
                    query: [("merchantOrderId", merchantOrderID), ("parentId", parentOrderID)]
                        + (await pagingItems(page: 1, pageSize: 2, shop: shop)),
                    kind: .read, operation: "find refund"
                ),
                shop: shop
            )
            // The filter may be ignored by the server, so only an exact match counts.
            return try response.dataList.map { try ProviderRefund($0) }.first {
                $0.merchantOrderID == merchantOrderID && $0.parentID == parentOrderID && owned($0, by: shop)
            }
        }
    }

    package func notification(from body: Data) -> ProviderNotification? {
        OrderNotification(body: body)?.claim
    }

    package func verifySignature(of body: Data, headers: [(name: String, value: String)], key: NotificationKey) -> NotificationSignatureCheck {
        guard let header = headers.first(where: { $0.name.lowercased() == "x-signature" })?.value else { return .missing }
        return NotificationSignature.isValid(header, body: body, key: key.secret, algorithm: key.algorithm) ? .valid : .invalid
    }

    // MARK: - Helpers

    func send(_ request: InvoiceboxTransport.Request, shop: ShopCredentials) async throws -> InvoiceboxTransport.Response {
        do {
            return try await transport.send(
                request, baseURL: shop.baseURL, prefix: shop.apiVariant.flatMap { Self.apiVariants.contains($0) ? $0 : nil } ?? defaultAPIVariant,
                token: shop.token, accountKey: Self.limiterKey(of: shop))
        } catch {
            // A provider that now refuses the remembered paging spelling has changed its mind:
            // the next paged call probes it again.
            if case .rejected(422, _, _, let fields, _) = error,
                let spelling = PagingSpelling.allCases.first(where: { spelling in
                    fields.contains { $0.name == spelling.pageName || $0.name == spelling.pageSizeName }
                        && request.query.contains { $0.0 == spelling.pageName || $0.0 == spelling.pageSizeName }
                })
            {
                await transport.configuration.dialects.forgetPagingSpelling(spelling, for: shop.baseURL)
            }
            throw error
        }
    }

    /// A tenant's partner call first takes a slot of its own share, without waiting for one, and
    /// only then a slot of the partner account's quota.
    private func send(_ request: InvoiceboxTransport.Request, partner: PartnerCredentials, tenant: TenantID) async throws -> InvoiceboxTransport.Response {
        if let wait = await partnerShares.tryAcquire("partner:\(partner.partnerID):\(tenant)") {
            throw InvoiceboxError.rateLimited(retryAfterSeconds: max(1, Int(wait.components.seconds) + 1), requestID: nil)
        }
        return try await transport.send(
            request, baseURL: partner.baseURL, prefix: "v3", token: partner.token, accountKey: "partner:" + Self.digest(of: partner.token)
        )
    }

    /// The provider counts requests per token, and the merchant id is only what a tenant claims:
    /// keyed on the merchant id, anyone naming another tenant's shop would spend its quota.
    static func limiterKey(of shop: ShopCredentials) -> String {
        "shop:\(shop.tenant?.description ?? "-"):" + digest(of: shop.token)
    }

    /// A SHA-256 of the token, so that the token itself is never a key kept in memory.
    static func digest(of token: Secret) -> String {
        SHA256.hash(data: Data(token.revealed.utf8)).lowercaseHex
    }

    /// A row of another shop is dropped, as the official client does: in a multi-tenant service a
    /// foreign record must never be taken for one's own.
    func owned(_ order: ProviderOrder, by shop: ShopCredentials, response: InvoiceboxTransport.Response) -> ProviderOrder? {
        guard let merchant = order.merchantID else { return order }
        return merchant == shop.merchantID ? order : nil
    }

    private func owned(_ refund: ProviderRefund, by shop: ShopCredentials) -> Bool {
        refund.merchantID.map { $0 == shop.merchantID } ?? true
    }

    private func malformed(_ reason: String, _ response: InvoiceboxTransport.Response) -> InvoiceboxError {
        .malformedResponse(reason: reason, status: response.status, requestID: response.requestID)
    }
}
