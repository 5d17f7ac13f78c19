import Foundation

/// One provider request as the router hands it to the state: the account it addresses, the path
/// below the account, the decoded query and the raw body.
package struct FakturowniaCall: Sendable {
    package var method: String
    package var prefix: String
    package var path: [String]
    package var query: [String: String]
    package var body: Data
    /// How this caller spells an account's base URL: `before + prefix + after`.
    package var urlBefore: String
    package var urlAfter: String

    func accountURL(_ prefix: String) -> String { urlBefore + prefix + urlAfter }
}

package struct FakturowniaReply: Sendable {
    package var status: Int
    package var contentType: String
    package var body: Data

    static func json(_ object: Any, status: Int = 200) -> FakturowniaReply {
        FakturowniaReply(status: status, contentType: "application/json; charset=utf-8", body: FakturowniaJSON.serialize(object))
    }
}

struct FakturowniaPosition {
    var id: Int
    var name: String
    var quantity: Double
    var quantityUnit: String
    var tax: String
    var totalGross: Int
    var description: String?

    var rate: Int { Int(tax) ?? 0 }
    var totalNet: Int { Int((Double(totalGross) * 100 / Double(100 + rate)).rounded()) }

    var json: [String: Any] {
        let unitGross = quantity == 0 ? totalGross : Int((Double(totalGross) / quantity).rounded())
        let unitNet = quantity == 0 ? totalNet : Int((Double(totalNet) / quantity).rounded())
        var object: [String: Any] = [
            "id": id, "name": name, "quantity": String(quantity), "quantity_unit": quantityUnit, "tax": tax,
            "total_price_gross": FakturowniaMoney.format(totalGross), "total_price_net": FakturowniaMoney.format(totalNet),
            "price_gross": FakturowniaMoney.format(unitGross), "price_net": FakturowniaMoney.format(unitNet),
        ]
        object["description"] = description ?? NSNull()
        return object
    }
}

struct FakturowniaInvoice {
    let id: Int
    var kind: String
    var number: String
    var issueDate: String
    var sellDate: String
    var paymentTo: String?
    var paymentToKind: String?
    var status: String
    var currency: String
    var paidCents = 0
    var paidDate: String?
    var oid: String?
    let token: String
    var fromInvoiceID: Int?
    /// Every other scalar field sent (`buyer_*`, `seller_*`, `place`, `payment_type`, …).
    var fields: [String: String]
    var positions: [FakturowniaPosition]
    let createdAt: Date
    var updatedAt: Date

    var grossCents: Int { positions.reduce(0) { $0 + $1.totalGross } }
    var netCents: Int { positions.reduce(0) { $0 + $1.totalNet } }

    func json(includePositions: Bool) -> [String: Any] {
        var object: [String: Any] = [:]
        for (name, value) in fields { object[name] = value }
        let values: [String: Any?] = [
            "id": id, "kind": kind, "number": number, "issue_date": issueDate, "sell_date": sellDate, "payment_to": paymentTo,
            "payment_to_kind": paymentToKind, "status": status, "currency": currency, "price_gross": FakturowniaMoney.format(grossCents),
            "price_net": FakturowniaMoney.format(netCents), "price_tax": FakturowniaMoney.format(grossCents - netCents),
            "paid": FakturowniaMoney.format(paidCents), "paid_date": paidDate, "oid": oid, "token": token, "from_invoice_id": fromInvoiceID,
            "created_at": FakturowniaDate.timestamp(createdAt), "updated_at": FakturowniaDate.timestamp(updatedAt),
        ]
        for (name, value) in values { object[name] = value ?? NSNull() }
        object["income"] = fields["income"] ?? "1"
        if includePositions { object["positions"] = positions.map(\.json) }
        return object
    }
}

struct FakturowniaWebhook {
    let id: Int
    var kind: String
    var url: String
    var secret: String
    var active: Bool
    let createdAt: Date
    var updatedAt: Date

    func json(accountID: Int) -> [String: Any] {
        [
            "id": id, "kind": kind, "url": url, "api_token": secret, "active": active, "account_id": accountID,
            "created_at": FakturowniaDate.timestamp(createdAt), "updated_at": FakturowniaDate.timestamp(updatedAt),
        ]
    }
}

struct FakturowniaAccount {
    let id: Int
    let prefix: String
    var apiToken: String
    let isPartner: Bool
    var lang: String
    var login: String
    var email: String
    var company: [String: String]
    var invoices: [Int: FakturowniaInvoice] = [:]
    var numberCounters: [String: Int] = [:]
    var webhooks: [Int: FakturowniaWebhook] = [:]
    var payments: [Int: [String: Any]] = [:]
}

/// Everything the simulated provider holds, in memory.
package actor FakturowniaState {
    package private(set) var configuration: FakturowniaConfiguration
    private(set) var accounts: [String: FakturowniaAccount] = [:]
    private var nextID = 100_000_001
    private var faults: [FakturowniaFault] = []
    package private(set) var requests: [FakturowniaRequestRecord] = []
    package private(set) var emails: [FakturowniaEmail] = []
    package private(set) var deliveries: [FakturowniaDelivery] = []
    private let outbox: AsyncStream<(Int, PendingWebhook)>.Continuation

    init(configuration: FakturowniaConfiguration, outbox: AsyncStream<(Int, PendingWebhook)>.Continuation) {
        self.configuration = configuration
        self.outbox = outbox
        let partner = FakturowniaAccount(
            id: 1, prefix: configuration.partnerPrefix, apiToken: configuration.partnerAPIToken, isPartner: true, lang: "pl",
            login: "partner", email: "partner@sandbox.invalid", company: ["name": "Partner"])
        accounts[partner.prefix] = partner
    }

    // MARK: - Test control

    package func updateConfiguration(_ change: @Sendable (inout FakturowniaConfiguration) -> Void) {
        change(&configuration)
    }

    package func inject(_ fault: FakturowniaFault) { faults.append(fault) }
    package func clearFaults() { faults.removeAll() }

    func takeFault(method: String, path: String) -> FakturowniaFault? {
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

    func record(_ request: FakturowniaRequestRecord) { requests.append(request) }

    func settle(delivery index: Int, httpStatus: Int?, outcome: String) {
        guard deliveries.indices.contains(index) else { return }
        deliveries[index].httpStatus = httpStatus
        deliveries[index].outcome = outcome
    }

    /// An account opened outside the partner flow, as a tenant that connects its own account.
    package func addAccount(prefix: String, apiToken: String, lang: String = "pl") {
        accounts[prefix] = FakturowniaAccount(
            id: takeID(), prefix: prefix, apiToken: apiToken, isPartner: false, lang: lang, login: prefix, email: "\(prefix)@sandbox.invalid",
            company: [:])
    }

    package func apiToken(of prefix: String) -> String? { accounts[prefix]?.apiToken }

    /// The guest pays the invoice in full (online payment or bank transfer matched in Fakturownia).
    package func payAsGuest(prefix: String, invoiceID: Int) throws(FakturowniaError) -> FakturowniaReply {
        guard var invoice = accounts[prefix]?.invoices[invoiceID] else { throw .notFound }
        invoice.paidCents = invoice.grossCents
        invoice.status = "paid"
        invoice.paidDate = FakturowniaDate.format(Date())
        store(invoice, in: prefix, event: "invoice:update")
        return .json(invoice.json(includePositions: true))
    }

    /// The account's user issues an invoice in the web application.
    package func createInApplication(prefix: String, body: Data) throws(FakturowniaError) -> FakturowniaReply {
        guard accounts[prefix] != nil else { throw .notFound }
        let fields = try FakturowniaJSON.object(body)
        return .json(try createInvoice(prefix: prefix, fields: fields).json(includePositions: true), status: 201)
    }

    package func accountSummary(prefix: String) -> [String: String]? {
        guard let account = accounts[prefix] else { return nil }
        return ["prefix": account.prefix, "api_token": account.apiToken, "login": account.login, "email": account.email, "lang": account.lang]
    }

    // MARK: - Provider endpoints

    func handle(_ call: FakturowniaCall) -> FakturowniaReply {
        do {
            return try route(call)
        } catch {
            return FakturowniaReply(status: error.status, contentType: "application/json; charset=utf-8", body: error.body)
        }
    }

    private func route(_ call: FakturowniaCall) throws(FakturowniaError) -> FakturowniaReply {
        guard accounts[call.prefix] != nil else { throw .unauthorized }
        let path = call.path
        // Public document links need no token (§1).
        if path.count == 2, path[0] == "invoice" || path[0] == "f", call.method == "GET" {
            return try publicDocument(prefix: call.prefix, name: path[1])
        }
        let body = call.method == "GET" || call.method == "DELETE" ? [:] : try FakturowniaJSON.object(call.body)
        let token = call.query["api_token"] ?? FakturowniaJSON.text(body["api_token"])
        guard let token, token == accounts[call.prefix]?.apiToken else { throw .unauthorized }
        let prefix = call.prefix
        let (shape, args) = FakturowniaState.shape(of: path)
        switch (call.method, shape) {
        case ("GET", "account.json"):
            let account = accounts[prefix]!
            return .json(["prefix": account.prefix, "url": call.accountURL(prefix), "lang": account.lang, "login": account.login, "email": account.email])
        case ("POST", "account.json"):
            return try createAccount(call: call, body: body)
        case ("GET", "invoices.json"):
            return try listInvoices(prefix: prefix, query: call.query)
        case ("POST", "invoices.json"):
            guard let fields = body["invoice"] as? [String: Any] else { throw .invalid("invoice", FakturowniaError.blank) }
            return .json(try createInvoice(prefix: prefix, fields: fields).json(includePositions: true), status: 201)
        case ("GET", "invoices/*") where args[0].hasSuffix(".pdf"):
            let name = args[0]
            let invoice = try findInvoice(prefix, name, ext: ".pdf")
            return FakturowniaReply(status: 200, contentType: "application/pdf", body: FakturowniaDocuments.pdf(invoice))
        case ("GET", "invoices/*"):
            let name = args[0]
            return .json(try findInvoice(prefix, name, ext: ".json").json(includePositions: true))
        case ("PUT", "invoices/*"), ("PATCH", "invoices/*"):
            let name = args[0]
            var invoice = try findInvoice(prefix, name, ext: ".json")
            guard let changes = body["invoice"] as? [String: Any] else { throw .invalid("invoice", FakturowniaError.blank) }
            try apply(changes, to: &invoice, prefix: prefix, creating: false)
            store(invoice, in: prefix, event: "invoice:update")
            return .json(invoice.json(includePositions: true))
        case ("DELETE", "invoices/*"):
            let name = args[0]
            let invoice = try findInvoice(prefix, name, ext: ".json")
            accounts[prefix]?.invoices[invoice.id] = nil
            fire("invoice:destroy", invoice: invoice, prefix: prefix)
            return .json("ok")
        case ("POST", "invoices/*/change_status.json"):
            let id = args[0]
            var invoice = try findInvoice(prefix, id, ext: "")
            let status = call.query["status"] ?? FakturowniaJSON.text(body["status"]) ?? ""
            guard ["issued", "sent", "paid", "partial", "rejected"].contains(status) else { throw .invalid("status", FakturowniaError.invalidValue) }
            invoice.status = status
            if status == "paid" {
                invoice.paidCents = invoice.grossCents
                invoice.paidDate = invoice.paidDate ?? FakturowniaDate.format(Date())
            }
            store(invoice, in: prefix, event: "invoice:update")
            return .json(["status": "ok"])
        case ("POST", "invoices/cancel.json"):
            // §6: the invoice is named in the body; the status it is left in is a setting (§6 [U]).
            var invoice = try findInvoice(prefix, FakturowniaJSON.text(body["cancel_invoice_id"]) ?? "", ext: "")
            invoice.status = configuration.cancelLeavesStatus.rawValue
            if let reason = FakturowniaJSON.text(body["cancel_reason"]) { invoice.fields["cancel_reason"] = reason }
            store(invoice, in: prefix, event: "invoice:update")
            return .json(["status": "ok"])
        case ("POST", "invoices/*/send_by_email.json"):
            let id = args[0]
            return try sendByEmail(prefix: prefix, id: id, query: call.query, body: body)
        case ("GET", "banking/payments.json"):
            return .json(accounts[prefix]!.payments.keys.sorted().compactMap { accounts[prefix]!.payments[$0] })
        case ("POST", "banking/payments.json"):
            return try createPayment(prefix: prefix, body: body)
        case ("GET", "banking/payments/*"), ("GET", "banking/payment/*"):
            let name = args[0]
            guard let id = Int(name.replacingOccurrences(of: ".json", with: "")), let payment = accounts[prefix]!.payments[id] else { throw .notFound }
            return .json(payment)
        case ("GET", "webhooks.json"):
            let account = accounts[prefix]!
            return .json(account.webhooks.keys.sorted().compactMap { account.webhooks[$0]?.json(accountID: account.id) })
        case ("POST", "webhooks.json"):
            return try saveWebhook(prefix: prefix, id: nil, body: body)
        case ("GET", "webhooks/*"):
            let name = args[0]
            let account = accounts[prefix]!
            guard let webhook = account.webhooks[try Self.id(name, ext: ".json")] else { throw .notFound }
            return .json(webhook.json(accountID: account.id))
        case ("PUT", "webhooks/*"), ("PATCH", "webhooks/*"):
            let name = args[0]
            return try saveWebhook(prefix: prefix, id: try Self.id(name, ext: ".json"), body: body)
        case ("DELETE", "webhooks/*"):
            let name = args[0]
            let id = try Self.id(name, ext: ".json")
            guard accounts[prefix]!.webhooks.removeValue(forKey: id) != nil else { throw .notFound }
            return .json("ok")
        default:
            throw .notFound
        }
    }

    static let literalSegments: Set<String> = [
        "account.json", "invoices.json", "invoices", "invoice", "f", "change_status.json", "send_by_email.json", "banking", "payments.json", "payments",
        "payment", "webhooks.json", "webhooks", "settings", "faults", "emails", "deliveries", "requests", "accounts", "pay",
        "cancel.json",
    ]

    /// The path with every non-literal segment as `*`, and those segments in order.
    static func shape(of path: [String]) -> (String, [String]) {
        var args: [String] = []
        let shape = path.map { segment -> String in
            if literalSegments.contains(segment) { return segment }
            args.append(segment)
            return "*"
        }
        return (shape.joined(separator: "/"), args)
    }

    private static func id(_ name: String, ext: String) throws(FakturowniaError) -> Int {
        guard name.hasSuffix(ext), let id = Int(name.dropLast(ext.count)) else { throw .notFound }
        return id
    }

    private func findInvoice(_ prefix: String, _ name: String, ext: String) throws(FakturowniaError) -> FakturowniaInvoice {
        guard let invoice = accounts[prefix]?.invoices[try Self.id(name, ext: ext)] else { throw .notFound }
        return invoice
    }

    private func takeID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    // MARK: - Accounts (§3)

    private func createAccount(call: FakturowniaCall, body: [String: Any]) throws(FakturowniaError) -> FakturowniaReply {
        guard let partner = accounts[call.prefix], partner.isPartner else { throw .unauthorized }
        let integrationToken = FakturowniaJSON.text(body["integration_token"]).flatMap { $0.isEmpty ? nil : $0 }
        if let integrationToken, integrationToken != configuration.integrationToken { throw .unauthorized }
        if integrationToken == nil, configuration.accountWithoutIntegrationToken == .refuse { throw .unauthorized }
        let account = body["account"] as? [String: Any] ?? [:]
        guard let requested = FakturowniaJSON.text(account["prefix"])?.lowercased(), !requested.isEmpty else {
            throw .invalid("prefix", FakturowniaError.blank)
        }
        let allowed = CharacterSet.lowercaseLetters.union(.decimalDigits).union(CharacterSet(charactersIn: "-"))
        guard requested.unicodeScalars.allSatisfy({ allowed.contains($0) && $0.isASCII }), requested.first != "-" else {
            throw .invalid("prefix", FakturowniaError.invalidValue)
        }
        var prefix = requested
        var suffix = 1
        while accounts[prefix] != nil || prefix == "__sandbox" {
            prefix = "\(requested)\(suffix)"
            suffix += 1
        }
        // Without a `user` block the partner's own user owns the new account (the FR copy of §3).
        let user = body["user"] as? [String: Any]
        var login = user.flatMap { FakturowniaJSON.text($0["login"]) } ?? user.flatMap { FakturowniaJSON.text($0["email"]) } ?? partner.login
        let email = user.flatMap { FakturowniaJSON.text($0["email"]) } ?? partner.email
        if user != nil {
            let taken = Set(accounts.values.map(\.login))
            let wanted = login
            var counter = 1
            while taken.contains(login) {
                login = "\(wanted)\(counter)"
                counter += 1
            }
        }
        var company: [String: String] = [:]
        for (name, value) in body["company"] as? [String: Any] ?? [:] { company[name] = FakturowniaJSON.text(value) }
        let token = Self.randomToken(length: 20) + "/" + prefix
        accounts[prefix] = FakturowniaAccount(
            id: takeID(), prefix: prefix, apiToken: token, isPartner: false, lang: FakturowniaJSON.text(account["lang"]) ?? "pl", login: login,
            email: email, company: company)
        var answer: [String: Any] = ["prefix": prefix, "url": call.accountURL(prefix), "login": login, "email": email]
        // The token is answered only to a partner that sent its integration code (§3).
        if integrationToken != nil { answer["api_token"] = token }
        return .json(answer)
    }

    static func randomToken(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<length).map { _ in alphabet.randomElement()! })
    }

    // MARK: - Invoices (§4–§7)

    static let kinds: Set<String> = [
        "vat", "proforma", "bill", "receipt", "advance", "final", "correction", "vat_margin", "vat_mp", "vat_rr", "invoice_other", "estimate",
        "kp", "kw", "correction_note", "accounting_note", "client_order", "dw", "wnt", "wdt", "import_service", "import_service_eu",
        "import_products", "export_products",
    ]

    private func createInvoice(prefix: String, fields: [String: Any]) throws(FakturowniaError) -> FakturowniaInvoice {
        var fields = fields
        var source: FakturowniaInvoice?
        if let copy = fields["copy_invoice_from"] {
            guard let id = Int(FakturowniaJSON.text(copy) ?? ""), let found = accounts[prefix]?.invoices[id] else {
                throw .invalid("copy_invoice_from", FakturowniaError.invalidValue)
            }
            source = found
        }
        let kind = FakturowniaJSON.text(fields["kind"]) ?? source?.kind ?? "vat"
        guard Self.kinds.contains(kind) else { throw .invalid("kind", FakturowniaError.invalidValue) }
        fields["kind"] = nil
        let oidUnique = FakturowniaJSON.text(fields["oid_unique"]) == "yes"
        fields["oid_unique"] = nil
        if let oid = FakturowniaJSON.text(fields["oid"]), oidUnique, accounts[prefix]!.invoices.values.contains(where: { $0.oid == oid }) {
            throw .invalid("oid", FakturowniaError.taken)
        }
        let today = FakturowniaDate.format(Date())
        var invoice = FakturowniaInvoice(
            id: 0, kind: kind, number: "", issueDate: today, sellDate: today, paymentTo: nil, paymentToKind: nil, status: "issued",
            currency: source?.currency ?? "PLN", oid: source?.oid, token: Self.randomToken(length: 20), fromInvoiceID: source?.id,
            fields: source?.fields ?? [:], positions: source?.positions ?? [], createdAt: Date(), updatedAt: Date())
        try apply(fields, to: &invoice, prefix: prefix, creating: true)
        let stored = FakturowniaInvoice(
            id: takeID(), kind: invoice.kind, number: invoice.number, issueDate: invoice.issueDate, sellDate: invoice.sellDate,
            paymentTo: invoice.paymentTo, paymentToKind: invoice.paymentToKind, status: invoice.status, currency: invoice.currency,
            paidCents: invoice.paidCents, paidDate: invoice.paidDate, oid: invoice.oid, token: invoice.token, fromInvoiceID: invoice.fromInvoiceID,
            fields: invoice.fields, positions: invoice.positions, createdAt: invoice.createdAt, updatedAt: invoice.updatedAt)
        store(stored, in: prefix, event: "invoice:create")
        return stored
    }

    /// Applies the fields of a create or a (partial) update, then validates the result.
    private func apply(_ changes: [String: Any], to invoice: inout FakturowniaInvoice, prefix: String, creating: Bool) throws(FakturowniaError) {
        for (name, value) in changes {
            switch name {
            case "positions":
                guard let items = value as? [[String: Any]] else { throw .invalid("positions", FakturowniaError.invalidValue) }
                try applyPositions(items, to: &invoice, replacing: false)
            case "kind":
                guard let kind = FakturowniaJSON.text(value), Self.kinds.contains(kind) else { throw .invalid("kind", FakturowniaError.invalidValue) }
                invoice.kind = kind
            case "number": invoice.number = FakturowniaJSON.text(value) ?? ""
            case "issue_date", "sell_date", "payment_to", "paid_date":
                guard let text = FakturowniaJSON.text(value) else { continue }
                guard FakturowniaDate.parse(text) != nil || (name == "sell_date" && text.count == 7) else {
                    throw .invalid(name, FakturowniaError.invalidValue)
                }
                switch name {
                case "issue_date": invoice.issueDate = text
                case "sell_date": invoice.sellDate = text
                case "payment_to": invoice.paymentTo = text
                default: invoice.paidDate = text
                }
            case "payment_to_kind": invoice.paymentToKind = FakturowniaJSON.text(value)
            case "status":
                guard let status = FakturowniaJSON.text(value), ["issued", "sent", "paid", "partial", "rejected"].contains(status) else {
                    throw .invalid("status", FakturowniaError.invalidValue)
                }
                invoice.status = status
            case "currency": invoice.currency = FakturowniaJSON.text(value) ?? "PLN"
            case "paid": invoice.paidCents = FakturowniaMoney.parse(value) ?? 0
            case "oid": invoice.oid = FakturowniaJSON.text(value)
            case "oid_unique", "copy_invoice_from", "api_token": continue
            default:
                if let text = FakturowniaJSON.text(value) { invoice.fields[name] = text } else if value is NSNull { invoice.fields[name] = nil }
            }
        }
        if creating, changes["sell_date"] == nil { invoice.sellDate = invoice.issueDate }
        switch invoice.paymentToKind {
        case "off"?: invoice.paymentTo = nil
        case "other_date"?: break
        case let days? where Int(days) != nil: invoice.paymentTo = FakturowniaDate.adding(days: Int(days)!, to: invoice.issueDate)
        default: if creating && invoice.paymentTo == nil { invoice.paymentTo = FakturowniaDate.adding(days: 5, to: invoice.issueDate) }
        }
        let buyer = [invoice.fields["buyer_name"], invoice.fields["buyer_first_name"], invoice.fields["buyer_last_name"], invoice.fields["client_id"]]
        guard buyer.contains(where: { !($0 ?? "").isEmpty }) else { throw .invalid("buyer_name", FakturowniaError.blank) }
        guard !invoice.positions.isEmpty else { throw .invalid("positions", FakturowniaError.blank) }
        if invoice.number.isEmpty {
            let counter = (accounts[prefix]?.numberCounters[invoice.kind] ?? 0) + 1
            accounts[prefix]?.numberCounters[invoice.kind] = counter
            let month = invoice.issueDate.split(separator: "-")
            let series = ["vat": "FV", "proforma": "PRO"][invoice.kind] ?? invoice.kind.uppercased()
            invoice.number = "\(series) \(counter)/\(month.count > 1 ? month[1] : "01")/\(month.first ?? "")"
        }
        invoice.updatedAt = Date()
    }

    /// A position with an `id` edits that line (or deletes it with `_destroy`); one without is appended.
    private func applyPositions(_ items: [[String: Any]], to invoice: inout FakturowniaInvoice, replacing: Bool) throws(FakturowniaError) {
        for item in items {
            if let id = Int(FakturowniaJSON.text(item["id"]) ?? "") {
                guard let index = invoice.positions.firstIndex(where: { $0.id == id }) else { throw .invalid("positions.id", FakturowniaError.invalidValue) }
                if FakturowniaJSON.bool(item["_destroy"]) == true {
                    invoice.positions.remove(at: index)
                } else {
                    invoice.positions[index] = try position(item, base: invoice.positions[index])
                }
            } else {
                invoice.positions.append(try position(item, base: nil))
            }
        }
    }

    private func position(_ item: [String: Any], base: FakturowniaPosition?) throws(FakturowniaError) -> FakturowniaPosition {
        let name = FakturowniaJSON.text(item["name"]) ?? base?.name ?? ""
        guard !name.isEmpty else { throw .invalid("positions.name", FakturowniaError.blank) }
        let quantity = item["quantity"].map { Double(FakturowniaJSON.text($0)?.replacingOccurrences(of: ",", with: ".") ?? "") } ?? base?.quantity ?? 1
        guard let quantity, quantity > 0 else { throw .invalid("positions.quantity", FakturowniaError.invalidValue) }
        let tax = FakturowniaJSON.text(item["tax"]) ?? base?.tax
        guard let tax, ["23", "8", "5", "0", "zw", "np", "disabled"].contains(tax) else { throw .invalid("positions.tax", FakturowniaError.invalidValue) }
        var gross = FakturowniaMoney.parse(item["total_price_gross"])
        if gross == nil, let unit = FakturowniaMoney.parse(item["price_gross"]) { gross = Int((Double(unit) * quantity).rounded()) }
        if gross == nil, let net = FakturowniaMoney.parse(item["total_price_net"]) { gross = net * (100 + (Int(tax) ?? 0)) / 100 }
        if gross == nil, let unitNet = FakturowniaMoney.parse(item["price_net"]) {
            gross = Int((Double(unitNet) * quantity * Double(100 + (Int(tax) ?? 0)) / 100).rounded())
        }
        guard let total = gross ?? base?.totalGross else { throw .invalid("positions.total_price_gross", FakturowniaError.blank) }
        return FakturowniaPosition(
            id: base?.id ?? takeID(), name: name, quantity: quantity, quantityUnit: FakturowniaJSON.text(item["quantity_unit"]) ?? base?.quantityUnit ?? "szt",
            tax: tax, totalGross: total, description: FakturowniaJSON.text(item["description"]) ?? base?.description)
    }

    private func listInvoices(prefix: String, query: [String: String]) throws(FakturowniaError) -> FakturowniaReply {
        let page = Int(query["page"] ?? "1") ?? 1
        var perPage = Int(query["per_page"] ?? "25") ?? 25
        guard page >= 1, perPage >= 1 else { throw .invalid(page < 1 ? "page" : "per_page", FakturowniaError.invalidValue) }
        if perPage > 100 {
            guard configuration.perPageOverLimit == .cap else { throw .invalid("per_page", FakturowniaError.invalidValue) }
            perPage = 100
        }
        let range = try Self.period(query)
        let dateField = query["search_date_type"] ?? "issue_date"
        var rows = accounts[prefix]!.invoices.values.filter { invoice in
            // Cost documents only with `income=no`, sales documents otherwise.
            guard (invoice.fields["income"] == "0") == (query["income"] == "no") else { return false }
            if let range {
                let date = dateField == "paid_date" ? invoice.paidDate : invoice.issueDate
                guard let date, date >= range.from, date <= range.to else { return false }
            }
            if let oid = query["oid"], invoice.oid != oid { return false }
            if let kind = query["kind"], invoice.kind != kind { return false }
            if let number = query["number"], invoice.number != number { return false }
            if let ids = query["invoice_ids"], !ids.split(separator: ",").contains(Substring(String(invoice.id))) { return false }
            return true
        }
        let order = query["order"] ?? "issue_date.desc"
        let descending = order.hasSuffix(".desc")
        let field = order.replacingOccurrences(of: ".desc", with: "")
        rows.sort { left, right in
            let keys: (String, String) =
                switch field {
                case "updated_at": (FakturowniaDate.timestamp(left.updatedAt), FakturowniaDate.timestamp(right.updatedAt))
                case "number": (left.number, right.number)
                case "oid": (left.oid ?? "", right.oid ?? "")
                case "price_gross": (String(format: "%015d", left.grossCents), String(format: "%015d", right.grossCents))
                case "payment_to": (left.paymentTo ?? "", right.paymentTo ?? "")
                default: (left.issueDate, right.issueDate)
                }
            if keys.0 == keys.1 { return descending ? left.id > right.id : left.id < right.id }
            return descending ? keys.0 > keys.1 : keys.0 < keys.1
        }
        let start = (page - 1) * perPage
        let slice = start < rows.count ? Array(rows[start..<min(rows.count, start + perPage)]) : []
        let includePositions = query["include_positions"] == "true"
        return .json(slice.map { $0.json(includePositions: includePositions) })
    }

    /// The `period` filter (§5); without one, the last 12 months.
    private static func period(_ query: [String: String]) throws(FakturowniaError) -> (from: String, to: String)? {
        let calendar = FakturowniaDate.calendar
        let now = Date()
        func date(_ component: Calendar.Component, _ value: Int) -> String {
            FakturowniaDate.format(calendar.date(byAdding: component, value: value, to: now) ?? now)
        }
        let today = FakturowniaDate.format(now)
        let parts = calendar.dateComponents([.year, .month], from: now)
        let year = parts.year ?? 2000
        let month = String(format: "%04d-%02d", year, parts.month ?? 1)
        switch query["period"] ?? "last_12_months" {
        case "all": return nil
        case "last_12_months": return (date(.month, -12), today)
        case "last_30_days": return (date(.day, -30), today)
        case "this_month": return ("\(month)-01", "\(month)-31")
        case "last_month":
            let previous = calendar.dateComponents([.year, .month], from: calendar.date(byAdding: .month, value: -1, to: now) ?? now)
            let text = String(format: "%04d-%02d", previous.year ?? year, previous.month ?? 1)
            return ("\(text)-01", "\(text)-31")
        case "this_year": return ("\(year)-01-01", "\(year)-12-31")
        case "last_year": return ("\(year - 1)-01-01", "\(year - 1)-12-31")
        case "more":
            guard let from = query["date_from"], FakturowniaDate.parse(from) != nil else { throw .invalid("date_from", FakturowniaError.invalidValue) }
            guard let to = query["date_to"], FakturowniaDate.parse(to) != nil else { throw .invalid("date_to", FakturowniaError.invalidValue) }
            return (from, to)
        default: throw .invalid("period", FakturowniaError.invalidValue)
        }
    }

    private func sendByEmail(prefix: String, id: String, query: [String: String], body: [String: Any]) throws(FakturowniaError) -> FakturowniaReply {
        var invoice = try findInvoice(prefix, id, ext: "")
        if configuration.sendByEmailRefused {
            return .json(["status": "error", "message": "Nie można wysłać faktury e-mailem przed nadaniem numeru KSeF"])
        }
        func list(_ name: String) -> [String] {
            (query[name] ?? FakturowniaJSON.text(body[name]) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let to = list("email_to").isEmpty ? (invoice.fields["buyer_email"].map { [$0] } ?? []) : list("email_to")
        guard !to.isEmpty, to.count <= 5 else { return .json(["status": "error", "message": "Brak poprawnego adresu e-mail odbiorcy"]) }
        if (query["update_buyer_email"] ?? FakturowniaJSON.text(body["update_buyer_email"])) == "true", !list("email_to").isEmpty {
            invoice.fields["buyer_email"] = to.joined(separator: ",")
        }
        emails.append(
            FakturowniaEmail(
                prefix: prefix, invoiceID: invoice.id, to: to, cc: list("email_cc"),
                withPDF: (query["email_pdf"] ?? FakturowniaJSON.text(body["email_pdf"])) == "true"))
        if invoice.status == "issued" { invoice.status = "sent" }
        invoice.updatedAt = Date()
        store(invoice, in: prefix, event: "invoice:update")
        return .json(["status": "ok"])
    }

    private func publicDocument(prefix: String, name: String) throws(FakturowniaError) -> FakturowniaReply {
        let token = name.hasSuffix(".pdf") ? String(name.dropLast(4)) : name
        guard let invoice = accounts[prefix]?.invoices.values.first(where: { $0.token == token }) else { throw .notFound }
        if name.hasSuffix(".pdf") { return FakturowniaReply(status: 200, contentType: "application/pdf", body: FakturowniaDocuments.pdf(invoice)) }
        return FakturowniaReply(status: 200, contentType: "text/html; charset=utf-8", body: FakturowniaDocuments.html(invoice))
    }

    // MARK: - Payments (§8)

    private func createPayment(prefix: String, body: [String: Any]) throws(FakturowniaError) -> FakturowniaReply {
        guard let payment = body["banking_payment"] as? [String: Any] else { throw .invalid("banking_payment", FakturowniaError.blank) }
        guard let price = FakturowniaMoney.parse(payment["price"]), price > 0 else { throw .invalid("price", FakturowniaError.blank) }
        var invoiceIDs = (payment["invoice_ids"] as? [Any] ?? []).compactMap { Int(FakturowniaJSON.text($0) ?? "") }
        if let single = Int(FakturowniaJSON.text(payment["invoice_id"]) ?? "") { invoiceIDs.insert(single, at: 0) }
        for id in invoiceIDs where accounts[prefix]?.invoices[id] == nil { throw .invalid("invoice_id", FakturowniaError.invalidValue) }
        let paid = FakturowniaJSON.bool(payment["paid"]) ?? true
        let paidDate = FakturowniaJSON.text(payment["paid_date"]) ?? FakturowniaDate.format(Date())
        let id = takeID()
        var stored: [String: Any] = [:]
        for (name, value) in payment { if let text = FakturowniaJSON.text(value) { stored[name] = text } }
        stored["id"] = id
        stored["price"] = FakturowniaMoney.format(price)
        stored["paid"] = paid
        stored["paid_date"] = paidDate
        stored["kind"] = FakturowniaJSON.text(payment["kind"]) ?? "api"
        stored["invoice_id"] = invoiceIDs.first ?? NSNull()
        stored["created_at"] = FakturowniaDate.timestamp(Date())
        accounts[prefix]?.payments[id] = stored
        // The amount is applied to the invoices in the listed order (§8).
        var left = paid ? price : 0
        for invoiceID in invoiceIDs where left > 0 {
            guard var invoice = accounts[prefix]?.invoices[invoiceID] else { continue }
            let applied = min(left, max(0, invoice.grossCents - invoice.paidCents))
            left -= applied
            invoice.paidCents += applied
            invoice.status = invoice.paidCents >= invoice.grossCents ? "paid" : "partial"
            invoice.paidDate = paidDate
            store(invoice, in: prefix, event: "invoice:update")
        }
        return .json(stored, status: 201)
    }

    // MARK: - Webhooks (§9)

    static let webhookKinds: Set<String> = [
        "client:create", "client:update", "client:destroy", "invoice:create", "invoice:update", "invoice:destroy", "product:create",
        "product:update", "product:destroy",
    ]

    private func saveWebhook(prefix: String, id: Int?, body: [String: Any]) throws(FakturowniaError) -> FakturowniaReply {
        let wrapped = body["webhook"] as? [String: Any]
        guard let fields = wrapped ?? (configuration.acceptsUnwrappedWebhookFields ? body : nil) else {
            throw .invalid("webhook", FakturowniaError.blank)
        }
        let now = Date()
        var webhook: FakturowniaWebhook
        if let id {
            guard let existing = accounts[prefix]?.webhooks[id] else { throw .notFound }
            webhook = existing
        } else {
            webhook = FakturowniaWebhook(id: 0, kind: "", url: "", secret: "", active: true, createdAt: now, updatedAt: now)
        }
        if let kind = FakturowniaJSON.text(fields["kind"]) { webhook.kind = kind }
        if let url = FakturowniaJSON.text(fields["url"]) { webhook.url = url }
        if let secret = FakturowniaJSON.text(fields["api_token"]) { webhook.secret = secret }
        if let active = FakturowniaJSON.bool(fields["active"]) { webhook.active = active }
        guard !webhook.kind.isEmpty else { throw .invalid("kind", FakturowniaError.blank) }
        guard Self.webhookKinds.contains(webhook.kind) else { throw .invalid("kind", FakturowniaError.invalidValue) }
        guard !webhook.url.isEmpty else { throw .invalid("url", FakturowniaError.blank) }
        guard let url = URL(string: webhook.url), ["http", "https"].contains(url.scheme ?? "") else { throw .invalid("url", FakturowniaError.invalidValue) }
        webhook.updatedAt = now
        if id == nil {
            webhook = FakturowniaWebhook(
                id: takeID(), kind: webhook.kind, url: webhook.url, secret: webhook.secret, active: webhook.active, createdAt: now, updatedAt: now)
        }
        accounts[prefix]?.webhooks[webhook.id] = webhook
        return .json(webhook.json(accountID: accounts[prefix]!.id), status: id == nil ? 201 : 200)
    }

    /// Stores the invoice and fires `event` on the account's webhooks. Every successful change
    /// fires, the caller's own included, as the real service does.
    private func store(_ invoice: FakturowniaInvoice, in prefix: String, event: String) {
        var invoice = invoice
        invoice.updatedAt = Date()
        accounts[prefix]?.invoices[invoice.id] = invoice
        fire(event, invoice: invoice, prefix: prefix)
    }

    private func fire(_ event: String, invoice: FakturowniaInvoice, prefix: String) {
        // Expense documents never fire webhooks (§4, KSeF notes).
        guard let account = accounts[prefix], invoice.fields["income"] != "0" else { return }
        for webhook in account.webhooks.values.sorted(by: { $0.id < $1.id }) where webhook.active && webhook.kind == event {
            var payload: [String: Any] = [
                "id": invoice.id, "deal": Self.deal(invoice, baseURL: webhookBaseURL(prefix)), "app_name": "fakturownia",
                "api_token": webhook.secret, "locale": account.lang,
            ]
            if configuration.webhookPayloadIncludesKind { payload["kind"] = event }
            let index = deliveries.count
            deliveries.append(
                FakturowniaDelivery(
                    webhookID: webhook.id, kind: event, url: webhook.url, invoiceID: invoice.id, httpStatus: nil,
                    outcome: configuration.dropWebhookDeliveries ? "dropped" : "pending"))
            guard !configuration.dropWebhookDeliveries else { continue }
            outbox.yield(
                (index, PendingWebhook(webhookID: webhook.id, kind: event, url: webhook.url, invoiceID: invoice.id, body: FakturowniaJSON.serialize(payload))))
        }
    }

    /// Where the public link in a webhook points; set by the server once it knows its address.
    private var publicOrigin = "http://127.0.0.1"
    func setPublicOrigin(_ origin: String) { publicOrigin = origin }
    private func webhookBaseURL(_ prefix: String) -> String { "\(publicOrigin)/\(prefix)" }

    /// The `deal` object of the help page's sample (§9): no `oid`, no lines, no account prefix.
    private static func deal(_ invoice: FakturowniaInvoice, baseURL: String) -> [String: Any] {
        let fields = invoice.fields
        var client: [String: Any] = [:]
        for name in ["name", "tax_no", "first_name", "last_name", "email", "post_code", "city", "street", "country"] {
            client[name] = fields["buyer_\(name)"] ?? NSNull()
        }
        return [
            "name": invoice.number, "description": fields["description"] ?? NSNull(), "price": FakturowniaMoney.short(invoice.grossCents),
            "paid": invoice.status == "paid", "url": "\(baseURL)/f/\(invoice.token)", "date": invoice.issueDate, "invoice_no": invoice.number,
            "kind": invoice.kind, "status": invoice.status, "currency": invoice.currency, "external_ids": ["fakturownia": invoice.id],
            "client": client,
        ]
    }
}
