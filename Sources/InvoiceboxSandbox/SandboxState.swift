import Crypto
import Foundation

/// A notification waiting to be delivered.
struct PendingNotification: Sendable {
    var orderID: String
    var status: String
    var url: String
    var key: String
    var algorithm: SandboxSignatureAlgorithm
    /// The exact bytes that are signed and sent.
    var body: Data
}

/// Everything the simulated provider knows, in memory: restarting the sandbox starts clean.
package actor SandboxState {
    let configuration: SandboxConfiguration
    private var merchants: [String: SandboxMerchant] = [:]
    private var merchantIDByToken: [String: String] = [:]
    private var invitesByEmail: [String: SandboxInvite] = [:]
    private var emailByCode: [String: String] = [:]
    private var orders: [String: SandboxOrder] = [:]
    /// Each merchant's order ids, `merchantId` then `merchantOrderId`, for the duplicate check:
    /// an order's merchant order id never changes.
    private var merchantOrderIDs: Set<[String]> = []
    /// No order awaiting payment expires before this, so a request need not look at every order
    /// to find the due ones; the earliest deadline after each look, lowered as orders are stored.
    private var nextExpiry = Date.distantFuture
    private var refunds: [String: SandboxRefund] = [:]
    private var faults: [SandboxFault] = []
    /// Members of an order's answers replaced by the given JSON text, by order id.
    private var memberOverrides: [String: [String: String]] = [:]
    /// Each order's single-entity answer with the order it was written from, written when the
    /// order is stored: an order is read far more often than it changes, and writing an answer
    /// (parsing the stored request, serializing the object) was most of the sandbox's CPU.
    private var writtenAnswers: [String: (order: SandboxOrder, answer: Data)] = [:]
    private var attempts: [NotificationAttempt] = []
    private var rateWindows: [String: [ContinuousClock.Instant]] = [:]
    /// The latest requests on the provider's paths, oldest first, at most `requestRecordLimit`.
    private var requestRecords: [SandboxRequestRecord] = []
    private let requestRecordLimit = 10_000
    /// Where payment links point; the sandbox's own payment page once it serves one.
    private var paymentPageBaseURL: String
    private let outbox: AsyncStream<PendingNotification>.Continuation
    init(configuration: SandboxConfiguration, outbox: AsyncStream<PendingNotification>.Continuation) {
        self.configuration = configuration
        self.outbox = outbox
        self.paymentPageBaseURL = configuration.paymentPageBaseURL
        if configuration.seedDemoShop {
            let demo = SandboxMerchant(
                id: "ffffffff-ffff-ffff-ffff-ffffffffffff",
                token: "b37c4c689295904ed21eee5d9a48d42e",
                notificationKey: "098f6bcd4621d373cade4e832627b4f6"
            )
            merchants[demo.id] = demo
            merchantIDByToken[demo.token] = demo.id
        }
    }

    // MARK: - Access control

    /// The merchant a bearer token belongs to.
    func merchant(token: String) -> SandboxMerchant? {
        merchantIDByToken[token].flatMap { merchants[$0] }
    }

    func isPartner(token: String) -> Bool {
        token == configuration.partnerToken
    }

    /// Books a request for `key`; returns the seconds to wait when the window is full.
    func admit(_ key: String, limit: Int) -> Int? {
        guard limit > 0 else { return nil }
        let now = ContinuousClock.now
        var times = rateWindows[key, default: []].filter { now - $0 < configuration.rateWindow }
        guard times.count < limit else {
            rateWindows[key] = times
            let wait = configuration.rateWindow - (now - times[0])
            return max(1, Int(wait.components.seconds) + 1)
        }
        times.append(now)
        rateWindows[key] = times
        return nil
    }

    // MARK: - Faults

    package func inject(_ fault: SandboxFault) {
        faults.append(fault)
    }

    package func clearFaults() {
        faults.removeAll()
    }

    /// The first fault that matches the request, used up by one.
    func takeFault(method: String, path: String) -> SandboxFault? {
        guard
            let index = faults.firstIndex(where: { fault in
                (fault.method.map { $0.uppercased() == method } ?? true) && (fault.pathContains.map { path.contains($0) } ?? true)
            })
        else { return nil }
        let fault = faults[index]
        faults[index].remaining -= 1
        if faults[index].remaining <= 0 { faults.remove(at: index) }
        return fault
    }

    // MARK: - Admin

    /// Registers a shop; missing values are generated.
    @discardableResult
    package func addMerchant(
        id: String? = nil, token: String? = nil, notificationKey: String? = nil, notificationAlgorithm: SandboxSignatureAlgorithm? = nil,
        notificationURL: String? = nil
    ) -> (id: String, token: String, notificationKey: String) {
        let merchant = SandboxMerchant(
            id: id ?? UUID().uuidString.lowercased(),
            token: token ?? Self.randomHex(16),
            notificationKey: notificationKey ?? Self.randomHex(16),
            notificationAlgorithm: notificationAlgorithm ?? .sha1,
            notificationURL: notificationURL
        )
        merchants[merchant.id] = merchant
        merchantIDByToken[merchant.token] = merchant.id
        return (merchant.id, merchant.token, merchant.notificationKey)
    }

    /// The shop's notification key, which in real life the shop copies from its cabinet.
    package func notificationKey(merchantID: String) -> String? {
        merchants[merchantID]?.notificationKey
    }

    /// The hash the shop's notifications are signed with.
    package func notificationAlgorithm(merchantID: String) -> SandboxSignatureAlgorithm? {
        merchants[merchantID]?.notificationAlgorithm
    }

    /// What the shop does in its cabinet: a new notification key and the hash to sign with, for
    /// every notification from now on. Returns false for an unknown shop.
    @discardableResult
    package func setNotificationKey(merchantID: String, key: String, algorithm: SandboxSignatureAlgorithm) -> Bool {
        guard merchants[merchantID] != nil else { return false }
        merchants[merchantID]?.notificationKey = key
        merchants[merchantID]?.notificationAlgorithm = algorithm
        return true
    }

    /// The activation code of the latest invitation sent to `email`.
    package func activationCode(email: String) -> String? {
        invitesByEmail[email.lowercased()]?.activationCode
    }

    /// The requests received on the provider's paths, oldest first (the latest 10,000).
    package func requests() -> [SandboxRequestRecord] {
        requestRecords
    }

    func recordRequest(_ record: SandboxRequestRecord) {
        if requestRecords.count >= requestRecordLimit { requestRecords.removeFirst(requestRecords.count - requestRecordLimit + 1) }
        requestRecords.append(record)
    }

    package func notificationAttempts() -> [NotificationAttempt] {
        attempts
    }

    func record(_ attempt: NotificationAttempt) {
        attempts.append(attempt)
    }

    // MARK: - Partner

    func invite(partnerID: String, type: String, identifier: String) throws(SandboxError) -> String {
        guard partnerID == configuration.partnerID else { throw .forbidden }
        guard type == "email" else { throw .invalid("validation_error", field: "type", message: "type must be email") }
        guard identifier.count <= 100, identifier.contains("@") else {
            throw .invalid("validation_error", field: "identifier", message: "identifier must be an e-mail")
        }
        let email = identifier.lowercased()
        let invite = SandboxInvite(id: UUID().uuidString.lowercased(), email: email, activationCode: String(Int.random(in: 100_000_000...999_999_999)))
        if let previous = invitesByEmail[email] { emailByCode[previous.activationCode] = nil }
        invitesByEmail[email] = invite
        emailByCode[invite.activationCode] = email
        return invite.id
    }

    /// The shop an invitation's activation created, with its token: what the hotel finds in the
    /// provider's cabinet once the code was used, whether or not the partner got the answer.
    package func activatedMerchant(email: String) -> (id: String, token: String)? {
        guard let id = invitesByEmail[email.lowercased()]?.activatedMerchantID, let merchant = merchants[id] else { return nil }
        return (merchant.id, merchant.token)
    }

    /// Turns a code into its shop, once: a used code is answered like an unknown one, unless
    /// `reusableActivationCodes` says the code answers its shop again.
    func activate(partnerID: String, code: String) throws(SandboxError) -> SandboxMerchant {
        guard partnerID == configuration.partnerID else { throw .forbidden }
        let unknownCode = SandboxError.invalid("activation_code_not_found", field: "activationCode", message: "Activation code not found")
        guard let email = emailByCode[code], var invite = invitesByEmail[email] else { throw unknownCode }
        if let existing = invite.activatedMerchantID.flatMap({ merchants[$0] }) {
            guard configuration.reusableActivationCodes else { throw unknownCode }
            return existing
        }
        let created = addMerchant()
        invite.activatedMerchantID = created.id
        invitesByEmail[email] = invite
        return merchants[created.id]!
    }

    // MARK: - Orders

    func createOrder(_ json: [String: Any], body: Data, merchant: SandboxMerchant) throws(SandboxError) -> Data {
        expireDueOrders()
        let merchantID = try OrderValidation.requireString(json, "merchantId", maxLength: 36)
        guard merchantID == merchant.id else { throw .forbidden }
        let merchantOrderID = try OrderValidation.requireString(json, "merchantOrderId", maxLength: 256)
        let merchantOrderIDVisible = try OrderValidation.visibleOrderID(json)
        _ = try OrderValidation.requireString(json, "description", maxLength: 1000)
        let amount = try OrderValidation.requireMoney(json, "amount")
        let vat = try OrderValidation.requireMoney(json, "vatAmount")
        guard let currency = json["currencyId"] as? String, OrderValidation.currencies.contains(currency) else {
            throw .invalid("wrong_currency", field: "currencyId", message: "Wrong currency")
        }
        if let language = json["languageId"], !(language is NSNull) {
            guard let language = language as? String, OrderValidation.languages.contains(language) else {
                throw .invalid("language_not_found", field: "languageId", message: "Language not found")
            }
        }
        guard let expirationText = json["expirationDate"] as? String, let expiration = OrderValidation.date(expirationText), expiration > Date() else {
            throw .invalid("wrong_expiration_date", field: "expirationDate", message: "Wrong expiration date")
        }
        guard let customer = json["customer"] as? [String: Any] else {
            throw .invalid("validation_error", field: "customer", message: "customer is required")
        }
        if let type = customer["type"], !(type is NSNull) {
            guard let type = type as? String, OrderValidation.customerTypes.contains(type) else {
                throw .invalid("validation_error", field: "customer.type", message: "unknown customer type")
            }
        }
        for url in ["notificationUrl", "successUrl", "failUrl", "returnUrl"] {
            _ = try OrderValidation.optionalString(json, url, maxLength: 1000)
        }
        let policy = ((json["orderSetting"] as? [String: Any])?["roundPolicy"] as? String) ?? "strict"
        let lines = try OrderValidation.basket(json, amountMinor: amount, vatMinor: vat, roundPolicy: policy)
        if configuration.refuseDuplicateMerchantOrderIDs, merchantOrderIDs.contains([merchant.id, merchantOrderID]) {
            throw .invalid("merchant_order_id_duplicate", field: "merchantOrderId", message: "Merchant order id duplicate")
        }
        let order = SandboxOrder(
            id: UUID().uuidString.lowercased(),
            containerID: UUID().uuidString.lowercased(),
            merchantID: merchant.id,
            merchantOrderID: merchantOrderID,
            merchantOrderIDVisible: merchantOrderIDVisible,
            status: "created",
            amountMinor: amount,
            vatMinor: vat,
            currency: currency,
            createdAt: Date(),
            expirationDate: expiration,
            notificationURL: json["notificationUrl"] as? String,
            request: body,
            basket: lines.map { SandboxBasketLine(item: $0.item, sku: $0.sku, vatCode: $0.vatCode, totalMinor: $0.totalMinor, totalVATMinor: $0.totalVATMinor) }
        )
        storeQuietly(order, parsedRequest: json)
        return orderAnswer(order)
    }

    func order(id: String, merchant: SandboxMerchant) throws(SandboxError) -> Data {
        expireDueOrders()
        return orderAnswer(try owned(id, by: merchant))
    }

    func listOrders(_ query: FilterQuery, merchant: SandboxMerchant) throws(SandboxError) -> Data {
        expireDueOrders()
        try requireRights(query, merchant: merchant)
        let mine = orders.values.filter { $0.merchantID == merchant.id }.map { orderObject($0) }
        return try query.listed(by: configuration).page(of: mine, respelled: respelled, nullError: configuration.nullErrorInSuccess)
    }

    /// `PUT`: only while `created`; the arithmetic is checked again on the merged order.
    func updateOrder(id: String, changes: [String: Any], merchant: SandboxMerchant) throws(SandboxError) -> Data {
        expireDueOrders()
        var order = try owned(id, by: merchant)
        guard order.status == "created" || (configuration.updatesPaidOrders && order.status == "completed") else { throw .wrongStatus }
        try OrderValidation.checkUpdate(changes)
        var merged = (try? JSONSerialization.jsonObject(with: order.request)) as? [String: Any] ?? [:]
        for key in ["description", "amount", "vatAmount", "expirationDate", "basketItems", "metaData", "customer", "shopId"] {
            if let value = changes[key] { merged[key] = value }
        }
        if let text = changes["expirationDate"] {
            guard let text = text as? String, let date = OrderValidation.date(text), date > Date() else {
                throw .invalid("wrong_expiration_date", field: "expirationDate", message: "Wrong expiration date")
            }
            order.expirationDate = date
        }
        let amount = try OrderValidation.requireMoney(merged, "amount")
        let vat = try OrderValidation.requireMoney(merged, "vatAmount")
        let policy = ((merged["orderSetting"] as? [String: Any])?["roundPolicy"] as? String) ?? "strict"
        let lines = try OrderValidation.basket(merged, amountMinor: amount, vatMinor: vat, roundPolicy: policy)
        order.amountMinor = amount
        order.vatMinor = vat
        order.basket = lines.map {
            SandboxBasketLine(item: $0.item, sku: $0.sku, vatCode: $0.vatCode, totalMinor: $0.totalMinor, totalVATMinor: $0.totalVATMinor)
        }
        order.request = (try? JSONSerialization.data(withJSONObject: merged)) ?? order.request
        storeQuietly(order)
        return orderAnswer(order)
    }

    /// `DELETE`: `created` (and `hold`) become `canceled`; anything else is refused.
    func cancelOrder(id: String, merchant: SandboxMerchant) throws(SandboxError) -> Data {
        expireDueOrders()
        var order = try owned(id, by: merchant)
        guard order.status == "created" || order.status == "hold" else { throw .wrongStatus }
        order.status = "canceled"
        storeAndNotify(order)
        return orderAnswer(order)
    }

    // MARK: - Payer actions (admin)

    /// The payer pays: `completed`, `paidAt`, and a notification.
    package func pay(orderID: String) throws(SandboxError) {
        expireDueOrders()
        guard var order = orders[orderID] else { throw .notFound }
        guard order.status == "created" else { throw .wrongStatus }
        order.status = "completed"
        order.paidAt = Date()
        storeAndNotify(order)
    }

    /// Payment links from now on open the page under `base`.
    package func setPaymentPageBaseURL(_ base: String) {
        paymentPageBaseURL = base
        writtenAnswers.removeAll()
    }

    /// What the payment page shows of an order: its amount, currency and status.
    package func paymentPage(containerID: String) -> (orderID: String, shownNumber: String, amountMinor: Int64, currency: String, status: String)? {
        expireDueOrders()
        guard let order = orders.values.first(where: { $0.containerID == containerID }) else { return nil }
        return (order.id, order.merchantOrderIDVisible ?? order.merchantOrderID, order.amountMinor, order.currency, order.status)
    }

    /// The order's deadline passes now.
    package func expire(orderID: String) throws(SandboxError) {
        guard var order = orders[orderID] else { throw .notFound }
        guard order.status == "created" else { throw .wrongStatus }
        order.expirationDate = Date()
        order.status = "expired"
        storeAndNotify(order)
    }

    /// Sends the notification for the order's current status again (a duplicate delivery).
    package func renotify(orderID: String) throws(SandboxError) {
        guard let order = orders[orderID] else { throw .notFound }
        notify(order)
    }

    /// Orders whose deadline passed unpaid become `expired`.
    func expireDueOrders() {
        let now = Date()
        guard nextExpiry <= now else { return }
        nextExpiry = .distantFuture
        for order in orders.values where order.status == "created" {
            guard order.expirationDate <= now else {
                nextExpiry = min(nextExpiry, order.expirationDate)
                continue
            }
            var expired = order
            expired.status = "expired"
            storeAndNotify(expired)
        }
    }

    package func orderIDs(merchantID: String) -> [String] {
        orders.values.filter { $0.merchantID == merchantID }.map(\.id)
    }

    /// An order as the sandbox holds it, for tests and demos to inspect.
    func order(id: String) -> SandboxOrder? {
        orders[id]
    }

    /// The refunds of an order, oldest first, for tests and demos to inspect.
    func refunds(parentID: String) -> [SandboxRefund] {
        refunds.values.filter { $0.parentID == parentID }.sorted { $0.id < $1.id }
    }

    // MARK: - Refunds

    func refundableItems(orderID: String, merchant: SandboxMerchant) throws(SandboxError) -> Data {
        let order = try owned(orderID, by: merchant)
        let items: [[String: Any]] = order.basket.compactMap { line in
            guard var item = (try? JSONSerialization.jsonObject(with: line.item)) as? [String: Any] else { return nil }
            item["availableAmount"] = SandboxMoney.number(line.totalMinor - line.refundedMinor)
            item["availableVatAmount"] = SandboxMoney.number(line.totalVATMinor - line.refundedVATMinor)
            return item
        }
        return SandboxJSON.collection(items, totalCount: items.count, page: 1, pageSize: max(items.count, 1))
    }

    func createRefund(_ json: [String: Any], merchant: SandboxMerchant) throws(SandboxError) -> Data {
        let parentID = try OrderValidation.requireString(json, "parentId", maxLength: 36)
        var parent = try owned(parentID, by: merchant)
        guard parent.status == "completed" else { throw .wrongStatus }
        let merchantOrderID = try OrderValidation.requireString(json, "merchantOrderId", maxLength: 100)
        let description = try OrderValidation.requireString(json, "description", maxLength: 1000)
        let amount = try OrderValidation.requireMoney(json, "amount")
        let vat = try OrderValidation.requireMoney(json, "vatAmount")
        let lines = try OrderValidation.basket(json, amountMinor: amount, vatMinor: vat, roundPolicy: "strict")
        if refunds.values.contains(where: { $0.merchantID == merchant.id && $0.merchantOrderID == merchantOrderID }) {
            throw .invalid("merchant_order_id_duplicate", field: "merchantOrderId", message: "Merchant order id duplicate")
        }
        let available = parent.basket.reduce(0) { $0 + $1.totalMinor - $1.refundedMinor }
        guard amount <= available else { throw .calculation("wrong_total_amount", field: "amount") }
        // Each refunded line draws on the parent's lines of the same sku.
        var draws: [SandboxRefund.Draw] = []
        for line in lines {
            var remaining = line.totalMinor
            var remainingVAT = line.totalVATMinor
            for index in parent.basket.indices where parent.basket[index].sku == line.sku && remaining > 0 {
                let free = parent.basket[index].totalMinor - parent.basket[index].refundedMinor
                let take = min(free, remaining)
                let takeVAT = min(parent.basket[index].totalVATMinor - parent.basket[index].refundedVATMinor, remainingVAT)
                parent.basket[index].refundedMinor += take
                parent.basket[index].refundedVATMinor += takeVAT
                draws.append(SandboxRefund.Draw(line: index, minor: take, vatMinor: takeVAT))
                remaining -= take
                remainingVAT -= takeVAT
            }
            guard remaining == 0 else { throw .calculation("wrong_total_amount", field: "basketItems") }
        }
        let refund = SandboxRefund(
            id: UUID().uuidString.lowercased(), parentID: parent.id, merchantID: merchant.id, merchantOrderID: merchantOrderID,
            description: description, amountMinor: amount, vatMinor: vat, currency: parent.currency,
            status: (json["status"] as? String) == "draft" ? "draft" : "created", createdAt: Date(),
            basketItems: (try? JSONSerialization.data(withJSONObject: json["basketItems"] ?? [])) ?? Data("[]".utf8),
            draws: draws
        )
        storeQuietly(parent)
        refunds[refund.id] = refund
        return SandboxJSON.envelope(refundObject(refund))
    }

    func listRefunds(_ query: FilterQuery, merchant: SandboxMerchant) throws(SandboxError) -> Data {
        try requireRights(query, merchant: merchant)
        let mine = refunds.values.filter { $0.merchantID == merchant.id }.map(refundObject)
        return try query.listed(by: configuration).page(of: mine)
    }

    /// Refunds complete when the money has gone back (admin).
    package func completeRefund(id: String) throws(SandboxError) {
        guard var refund = refunds[id] else { throw .notFound }
        guard refund.status != "canceled" else { throw .wrongStatus }
        refund.status = "completed"
        refunds[id] = refund
    }

    /// The provider calls a refund off before the money went back (admin): what it took from the
    /// parent's lines can be refunded again.
    package func cancelRefund(id: String) throws(SandboxError) {
        guard var refund = refunds[id] else { throw .notFound }
        guard refund.status == "created" || refund.status == "draft" else { throw .wrongStatus }
        if var parent = orders[refund.parentID] {
            for draw in refund.draws where parent.basket.indices.contains(draw.line) {
                parent.basket[draw.line].refundedMinor -= draw.minor
                parent.basket[draw.line].refundedVATMinor -= draw.vatMinor
            }
            storeQuietly(parent)
        }
        refund.status = "canceled"
        refunds[id] = refund
    }

    /// A filter naming another merchant is refused with 403 `forbidden`, the provider's answer to
    /// "a token without rights to that merchant" (invoicebox-api.md §5), not with an empty page:
    /// an empty page would not tell a new shop from someone else's.
    private func requireRights(_ query: FilterQuery, merchant: SandboxMerchant) throws(SandboxError) {
        let named = query.conditions.filter { $0.field == "merchantId" && ($0.op == .eq || $0.op == .anyOf) }.flatMap(\.values)
        guard named.allSatisfy({ $0 == merchant.id }) else { throw .forbidden }
    }

    // MARK: - Held funds and shipments (SandboxState+Shipments.swift)

    /// The shops' shipments and what they captured.
    var shipmentLedger = SandboxShipmentLedger()

    /// The order `id` if `merchant` owns it.
    func ownedOrder(_ id: String, by merchant: SandboxMerchant) throws(SandboxError) -> SandboxOrder {
        try owned(id, by: merchant)
    }

    /// Keeps the order as changed and notifies the shop of its status.
    func storeAndNotify(_ order: SandboxOrder) {
        storeQuietly(order)
        notify(order)
    }

    /// A timestamp as the API writes it.
    func wireTimestamp(_ date: Date) -> String {
        OrderValidation.format(date)
    }

    // MARK: - Reversals (SandboxState+Reversal.swift)

    /// Keeps the order as changed without notifying the shop, with its answer written.
    ///
    /// - Parameter parsedRequest: the order's `request` already parsed, when the caller has it.
    func storeQuietly(_ order: SandboxOrder, parsedRequest: [String: Any]? = nil) {
        orders[order.id] = order
        merchantOrderIDs.insert([order.merchantID, order.merchantOrderID])
        if order.status == "created" { nextExpiry = min(nextExpiry, order.expirationDate) }
        _ = orderAnswer(order, parsedRequest: parsedRequest)
    }

    // MARK: - Representation

    private func owned(_ id: String, by merchant: SandboxMerchant) throws(SandboxError) -> SandboxOrder {
        guard let order = orders[id] else { throw .notFound }
        guard order.merchantID == merchant.id else { throw .forbidden }
        return order
    }

    private func orderObject(_ order: SandboxOrder, parsedRequest: [String: Any]? = nil) -> [String: Any] {
        var object = parsedRequest ?? (try? JSONSerialization.jsonObject(with: order.request)) as? [String: Any] ?? [:]
        object["id"] = order.id
        object["orderContainerId"] = order.containerID
        object["merchantId"] = order.merchantID
        object["merchantOrderId"] = order.merchantOrderID
        object["status"] = order.status
        object["subtype"] = "order"
        object["processingStatus"] = ""
        object["processable"] = true
        object["fileIds"] = [Any]()
        object["amount"] = SandboxMoney.number(order.amountMinor)
        object["vatAmount"] = SandboxMoney.number(order.vatMinor)
        object["currencyId"] = order.currency
        object["createdAt"] = OrderValidation.format(order.createdAt)
        object["expirationDate"] = OrderValidation.format(order.expirationDate)
        object["paymentUrl"] = "\(paymentPageBaseURL)/order/\(order.containerID)"
        if let paidAt = order.paidAt { object["paidAt"] = OrderValidation.format(paidAt) }
        return object
    }

    /// An order as a single-entity answer, spelled as configured.
    private func orderAnswer(_ order: SandboxOrder, parsedRequest: [String: Any]? = nil) -> Data {
        if let written = writtenAnswers[order.id], written.order == order { return written.answer }
        var envelope: [String: Any] = ["data": respelled(orderObject(order, parsedRequest: parsedRequest)), "extendedData": [Any]()]
        if configuration.nullErrorInSuccess { envelope["error"] = NSNull() }
        let answer = SandboxJSON.serialize(envelope)
        writtenAnswers[order.id] = (order, answer)
        return answer
    }

    /// Sends an order's `member` as the JSON text `json` from now on (`null`, `"x"`, `12`), so
    /// that a client can be shown a row it cannot read or a status it does not know.
    package func overrideMember(_ member: String, ofOrder orderID: String, json: String) {
        memberOverrides[orderID, default: [:]][member] = json
        writtenAnswers[orderID] = nil
    }

    /// The documented order object in the spellings the configuration asks for.
    private func respelled(_ stored: [String: Any]) -> [String: Any] {
        var object = stored
        if configuration.timestampsWithoutOffset {
            for key in ["createdAt", "expirationDate", "paidAt"] {
                if let text = object[key] as? String, text.hasSuffix("+00:00") { object[key] = String(text.dropLast(6)) }
            }
        }
        if configuration.amountsAsStrings {
            for key in ["amount", "vatAmount"] {
                if let number = object[key] as? NSNumber {
                    let minor = Int64((number.doubleValue * 100).rounded())
                    object[key] = String(format: "%lld.%02lld", minor / 100, abs(minor % 100))
                }
            }
        }
        if configuration.cancelledSpelling, object["status"] as? String == "canceled" { object["status"] = "cancelled" }
        if let id = object["id"] as? String, let overrides = memberOverrides[id] {
            for (member, json) in overrides {
                object[member] = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
            }
        }
        return object
    }

    private func refundObject(_ refund: SandboxRefund) -> [String: Any] {
        [
            "id": refund.id, "parentId": refund.parentID, "merchantId": refund.merchantID,
            "merchantOrderId": refund.merchantOrderID, "description": refund.description,
            "amount": SandboxMoney.number(refund.amountMinor), "vatAmount": SandboxMoney.number(refund.vatMinor),
            "currencyId": refund.currency, "status": refund.status, "createdAt": OrderValidation.format(refund.createdAt),
            "basketItems": (try? JSONSerialization.jsonObject(with: refund.basketItems)) ?? [Any](),
        ]
    }

    /// Queues the OrderNotification for the order's current state, signed with the shop's key.
    private func notify(_ order: SandboxOrder) {
        guard let merchant = merchants[order.merchantID], let url = order.notificationURL ?? merchant.notificationURL,
            let body = notificationBody(of: order)
        else { return }
        outbox.yield(
            PendingNotification(
                orderID: order.id, status: order.status, url: url, key: merchant.notificationKey, algorithm: merchant.notificationAlgorithm, body: body
            )
        )
    }

    /// The OrderNotification body the provider would post for the order now.
    package func notificationBody(orderID: String) -> Data? {
        orders[orderID].flatMap(notificationBody(of:))
    }

    private func notificationBody(of order: SandboxOrder) -> Data? {
        var object = orderObject(order)
        object["merchantOrderIdVisible"] = object["merchantOrderIdVisible"] ?? order.merchantOrderID
        // Serialised as the provider does: slashes escaped, non-ASCII raw, so that a receiver that
        // re-serialises before verifying the signature fails.
        return try? JSONSerialization.data(withJSONObject: object)
    }

    static func randomHex(_ bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
