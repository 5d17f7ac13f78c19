import AsyncHTTPClient
import FolioDomain
import Foundation
import JSONWire
import Logging
import NIOHTTP1

/// The Fakturownia (InvoiceOcean, VosFactures) REST API as fakturownia-api.md describes it: the
/// partner's account opening, invoices, payments and webhooks of one account at a time.
package struct FakturowniaGateway: Sendable {
    let transport: FakturowniaTransport
    let logger: Logger

    package init(http: HTTPClient = .shared, configuration: FakturowniaGatewayConfiguration = .init(), logger: Logger) {
        self.transport = FakturowniaTransport(http: http, configuration: configuration, logger: logger)
        self.logger = logger
    }

    // MARK: - Accounts (§3)

    /// Opens an account for a platform user on the partner's account (`POST /account.json`).
    /// Without the vendor's `integrationToken` the provider may open the account and answer no
    /// token, which is `partnerStatusNeeded`.
    package func createAccount(
        _ account: FakturowniaNewAccount, integrationToken: Secret?, on partner: FakturowniaAccountAccess
    ) async throws(FakturowniaGatewayError) -> FakturowniaOpenedAccount {
        var company: FakturowniaBody?
        if let details = account.company {
            company = .object([
                ("name", .string(details.name)), ("tax_no", .optional(details.taxNumber)), ("post_code", .optional(details.postCode)),
                ("city", .optional(details.city)), ("street", .optional(details.street)), ("person", .optional(details.person)),
                ("bank", .optional(details.bank)), ("bank_account", .optional(details.bankAccount)),
            ])
        }
        let body = FakturowniaBody.object([
            ("integration_token", integrationToken.map { .string($0.revealed) }),
            (
                "account",
                .object([("prefix", .string(account.prefix)), ("lang", .string(account.lang)), ("integration_fast_login", .bool(account.integrationFastLogin))])
            ),
            (
                "user",
                .object([
                    ("login", .optional(account.user.login)), ("email", .string(account.user.email)), ("password", .string(account.user.password.revealed)),
                ])
            ),
            ("company", company),
        ])
        let reply = try await transport.send(.init(method: .POST, path: "/account.json", body: body, operation: "create account"), to: partner)
        guard let object = reply.object else { throw .malformedResponse(reason: "account answer is not an object", status: reply.status) }
        let prefix = object.optionalString("prefix")
        guard let token = object.optionalString("api_token"), !token.isEmpty else { throw .partnerStatusNeeded(prefix: prefix) }
        guard let prefix else { throw object.fail("missing prefix") }
        guard let url = object.optionalString("url").flatMap(URL.init(string:)), url.scheme != nil else { throw object.fail("missing or invalid url") }
        return FakturowniaOpenedAccount(
            prefix: prefix, url: url, login: object.optionalString("login"), email: object.optionalString("email"),
            access: FakturowniaAccountAccess(baseURL: url, apiToken: Secret(token)))
    }

    /// `GET /account.json`: checks a token a tenant pasted (connect-existing) and names its account.
    package func account(_ access: FakturowniaAccountAccess) async throws(FakturowniaGatewayError) -> FakturowniaAccountInfo {
        let reply = try await transport.send(.init(method: .GET, path: "/account.json", operation: "read account"), to: access)
        guard let object = reply.object else { throw .malformedResponse(reason: "account answer is not an object", status: reply.status) }
        return FakturowniaAccountInfo(
            prefix: try object.string("prefix"), url: object.optionalString("url"), lang: object.optionalString("lang"),
            login: object.optionalString("login"), email: object.optionalString("email"))
    }

    // MARK: - Invoices (§4–§7)

    /// Issues an invoice, crash-safely: when the answer is lost (no answer, 5xx, a body that is
    /// not JSON) the invoice is looked up by its `oid` before anything else, and the POST is never
    /// repeated. Nothing found rethrows the original error (a later create of the same draft is
    /// safe: an invoice that landed late refuses it by `oid` and is adopted); a failed lookup is
    /// `outcomeUnknown`. A 422 for a taken `oid` adopts the invoice holding it, if its figures match.
    package func createInvoice(_ draft: FakturowniaInvoiceDraft, in access: FakturowniaAccountAccess) async throws(FakturowniaGatewayError)
        -> FakturowniaInvoice
    {
        try await issue(try Self.invoiceBody(draft), oid: draft.oid, operation: "create invoice", in: access) { found throws(FakturowniaGatewayError) in
            try Self.adopt(found, for: draft)
        }
    }

    /// `POST /invoices.json` with `copy_invoice_from` (§4): the VAT invoice made from a paid
    /// proforma, under its own `oid` (sent with `oid_unique`), paid on the proforma's payment day
    /// and issued on `issueDate`. As crash-safe as `createInvoice`: the invoice found under that
    /// `oid` is adopted when it is a VAT invoice of the proforma's currency and total.
    package func issueVATInvoice(
        fromProforma proforma: FakturowniaInvoice, oid: String, issueDate: String, in access: FakturowniaAccountAccess
    ) async throws(FakturowniaGatewayError) -> FakturowniaInvoice {
        let body = try Self.vatInvoiceBody(fromProforma: proforma, oid: oid, issueDate: issueDate)
        return try await issue(body, oid: oid, operation: "issue VAT invoice", in: access) { found throws(FakturowniaGatewayError) in
            guard found.isVATInvoice(for: proforma) else { throw .existingInvoiceDiffers(invoiceID: found.id) }
            return found
        }
    }

    /// Posts a new invoice whose `oid` is unique; after a lost answer, or a refusal of the taken
    /// `oid`, the invoice issued under it is looked up and passed through `adopt`.
    private func issue(
        _ body: FakturowniaBody, oid: String, operation: String, in access: FakturowniaAccountAccess,
        adopt: (FakturowniaInvoice) throws(FakturowniaGatewayError) -> FakturowniaInvoice
    ) async throws(FakturowniaGatewayError) -> FakturowniaInvoice {
        do throws(FakturowniaGatewayError) {
            let reply = try await transport.send(.init(method: .POST, path: "/invoices.json", body: body, operation: operation), to: access)
            guard let object = reply.object else { throw FakturowniaGatewayError.malformedResponse(reason: "invoice is not an object", status: reply.status) }
            return try Self.invoice(object)
        } catch {
            switch error {
            case .noAnswer, .unavailable, .malformedResponse:
                let found: FakturowniaInvoice?
                do {
                    found = try await invoice(oid: oid, in: access)
                } catch {
                    throw .outcomeUnknown(operation: operation)
                }
                guard let found else { throw error }
                logger.info("invoice found by oid after a lost answer", metadata: ["fakturownia.invoice_id": "\(found.id)"])
                return try adopt(found)
            case .validationFailed where error.concerns(field: "oid"):
                guard let found = try await invoice(oid: oid, in: access) else { throw error }
                logger.info("invoice with this oid exists; adopted", metadata: ["fakturownia.invoice_id": "\(found.id)"])
                return try adopt(found)
            default:
                throw error
            }
        }
    }

    /// `GET /invoices/{id}.json`.
    package func invoice(id: Int64, in access: FakturowniaAccountAccess) async throws(FakturowniaGatewayError) -> FakturowniaInvoice {
        let reply = try await transport.send(.init(method: .GET, path: "/invoices/\(id).json", operation: "read invoice"), to: access)
        guard let object = reply.object else { throw .malformedResponse(reason: "invoice is not an object", status: reply.status) }
        return try Self.invoice(object)
    }

    /// `GET /invoices.json?oid=…&period=all`, with positions: the invoice issued for `oid`, or nil.
    package func invoice(oid: String, in access: FakturowniaAccountAccess) async throws(FakturowniaGatewayError) -> FakturowniaInvoice? {
        let reply = try await transport.send(
            .init(
                method: .GET, path: "/invoices.json", query: [("oid", oid), ("period", "all"), ("include_positions", "true")],
                operation: "find invoice by oid"), to: access)
        guard let rows = reply.objects else { throw .malformedResponse(reason: "invoice list is not an array", status: reply.status) }
        // A provider that ignored the filter must not make another invoice pass for this one.
        var matches: [FakturowniaInvoice] = []
        for row in rows {
            let invoice = try Self.invoice(row)
            if invoice.oid == oid { matches.append(invoice) }
        }
        return matches.min { $0.id < $1.id }
    }

    /// One page of the account's invoices with their positions, most recently changed first, over all periods.
    package func invoices(page: Int, perPage: Int = 100, in access: FakturowniaAccountAccess) async throws(FakturowniaGatewayError)
        -> [FakturowniaInvoice]
    {
        guard page >= 1 else { throw .invalidRequest(reason: "page must be 1 or more") }
        guard (1...100).contains(perPage) else { throw .invalidRequest(reason: "per_page must be between 1 and 100") }
        let reply = try await transport.send(
            .init(
                method: .GET, path: "/invoices.json",
                query: [
                    ("page", String(page)), ("per_page", String(perPage)), ("period", "all"), ("order", "updated_at.desc"),
                    ("include_positions", "true"),
                ],
                operation: "list invoices"), to: access)
        guard let rows = reply.objects else { throw .malformedResponse(reason: "invoice list is not an array", status: reply.status) }
        var invoices: [FakturowniaInvoice] = []
        for row in rows { invoices.append(try Self.invoice(row)) }
        return invoices
    }

    /// `DELETE /invoices/{id}.json`.
    package func deleteInvoice(id: Int64, in access: FakturowniaAccountAccess) async throws(FakturowniaGatewayError) {
        _ = try await transport.send(.init(method: .DELETE, path: "/invoices/\(id).json", operation: "delete invoice"), to: access)
    }

    /// `POST /invoices/{id}/send_by_email.json`, to the buyer's e-mail or to `to` (at most 5).
    /// HTTP 200 `{"status":"error"}` is `actionRefused`.
    package func sendByEmail(id: Int64, to addresses: [String] = [], attachPDF: Bool = false, in access: FakturowniaAccountAccess)
        async throws(FakturowniaGatewayError)
    {
        guard addresses.count <= 5 else { throw .invalidRequest(reason: "at most 5 addresses") }
        let body = FakturowniaBody.object([
            ("email_to", addresses.isEmpty ? nil : .string(addresses.joined(separator: ","))), ("email_pdf", attachPDF ? .string("true") : nil),
        ])
        let reply = try await transport.send(
            .init(method: .POST, path: "/invoices/\(id)/send_by_email.json", body: body, operation: "send invoice by e-mail"), to: access)
        guard reply.object?.optionalString("status") == "ok" else { throw .malformedResponse(reason: "no status ok", status: reply.status) }
    }

    /// `POST /invoices/{id}/change_status.json`.
    package func changeStatus(id: Int64, to status: FakturowniaInvoiceStatus, in access: FakturowniaAccountAccess) async throws(FakturowniaGatewayError) {
        let reply = try await transport.send(
            .init(
                method: .POST, path: "/invoices/\(id)/change_status.json", body: .object([("status", .string(status.rawValue))]),
                operation: "change invoice status"), to: access)
        guard reply.object?.optionalString("status") == "ok" else { throw .malformedResponse(reason: "no status ok", status: reply.status) }
    }

    /// `POST /invoices/cancel.json` (§6) with `cancel_invoice_id` and an optional `cancel_reason`.
    /// The reference documents the call but not the status it leaves the invoice in [U]: read
    /// the invoice again to learn it.
    package func cancelInvoice(id: Int64, reason: String?, in access: FakturowniaAccountAccess) async throws(FakturowniaGatewayError) {
        let body = FakturowniaBody.object([("cancel_invoice_id", .number(String(id))), ("cancel_reason", .optional(reason))])
        _ = try await transport.send(.init(method: .POST, path: "/invoices/cancel.json", body: body, operation: "cancel invoice"), to: access)
    }

    /// The invoice's public page (`/invoice/{token}`), which needs no API token.
    package func publicViewURL(of invoice: FakturowniaInvoice, in access: FakturowniaAccountAccess) -> URL {
        Self.publicURL(access.baseURL, "/invoice/" + FakturowniaTransport.percentEncode(invoice.token))
    }

    /// The invoice's public PDF (`/invoice/{token}.pdf`).
    package func publicPDFURL(of invoice: FakturowniaInvoice, in access: FakturowniaAccountAccess) -> URL {
        Self.publicURL(access.baseURL, "/invoice/" + FakturowniaTransport.percentEncode(invoice.token) + ".pdf")
    }

    private static func publicURL(_ base: URL, _ path: String) -> URL {
        URL(string: FakturowniaTransport.url(baseURL: base, path: path, query: [])) ?? base
    }

    // MARK: - Payments (§8)

    /// Records money the platform collected (`POST /banking/payments.json`, `kind: "api"`). Not
    /// retried: a lost answer is `noAnswer` or `unavailable`, to be checked before repeating.
    package func recordPayment(_ payment: FakturowniaPaymentDraft, in access: FakturowniaAccountAccess) async throws(FakturowniaGatewayError)
        -> FakturowniaPayment
    {
        guard payment.amount > .zero else { throw .invalidRequest(reason: "a payment amount must be positive") }
        let body = FakturowniaBody.object([
            (
                "banking_payment",
                .object([
                    ("invoice_id", .number(String(payment.invoiceID))), ("price", .money(payment.amount)), ("paid", .bool(true)),
                    ("kind", .string("api")), ("name", .optional(payment.name)), ("paid_date", .optional(payment.paidDate)),
                    ("currency", .optional(payment.currency)), ("provider", .optional(payment.provider)),
                    ("description", .optional(payment.description)),
                ])
            )
        ])
        let reply = try await transport.send(.init(method: .POST, path: "/banking/payments.json", body: body, operation: "record payment"), to: access)
        guard let object = reply.object else { throw .malformedResponse(reason: "payment is not an object", status: reply.status) }
        return FakturowniaPayment(
            id: try object.id("id"), invoiceID: object.optionalString("invoice_id").flatMap { Int64($0) }, amount: try object.money("price"),
            paid: object.optionalBool("paid"), paidDate: object.optionalString("paid_date"))
    }

    // MARK: - Webhooks (§9)

    /// Registers one webhook per kind (by default the three invoice events) on the account,
    /// with the wrapped body, so that the account token and the endpoint's secret never collide.
    package func registerWebhooks(
        url: String, secret: Secret, kinds: [FakturowniaWebhookKind] = FakturowniaWebhookKind.allCases, in access: FakturowniaAccountAccess
    ) async throws(FakturowniaGatewayError) -> [FakturowniaWebhook] {
        var registered: [FakturowniaWebhook] = []
        for kind in kinds {
            let body = FakturowniaBody.object([
                (
                    "webhook",
                    .object([("kind", .string(kind.rawValue)), ("url", .string(url)), ("api_token", .string(secret.revealed)), ("active", .bool(true))])
                )
            ])
            let reply = try await transport.send(.init(method: .POST, path: "/webhooks.json", body: body, operation: "register webhook"), to: access)
            guard let object = reply.object else { throw .malformedResponse(reason: "webhook is not an object", status: reply.status) }
            registered.append(try Self.webhook(object))
        }
        return registered
    }

    /// `GET /webhooks.json`.
    package func webhooks(in access: FakturowniaAccountAccess) async throws(FakturowniaGatewayError) -> [FakturowniaWebhook] {
        let reply = try await transport.send(.init(method: .GET, path: "/webhooks.json", operation: "list webhooks"), to: access)
        guard let rows = reply.objects else { throw .malformedResponse(reason: "webhook list is not an array", status: reply.status) }
        var webhooks: [FakturowniaWebhook] = []
        for row in rows { webhooks.append(try Self.webhook(row)) }
        return webhooks
    }

    /// `DELETE /webhooks/{id}.json`.
    package func deleteWebhook(id: Int64, in access: FakturowniaAccountAccess) async throws(FakturowniaGatewayError) {
        _ = try await transport.send(.init(method: .DELETE, path: "/webhooks/\(id).json", operation: "delete webhook"), to: access)
    }
}

// MARK: - Wire mapping

extension FakturowniaGateway {
    static func invoiceBody(_ draft: FakturowniaInvoiceDraft) throws(FakturowniaGatewayError) -> FakturowniaBody {
        guard !draft.oid.isEmpty else { throw .invalidRequest(reason: "an invoice needs an oid") }
        guard !draft.positions.isEmpty else { throw .invalidRequest(reason: "an invoice needs at least one position") }
        for position in draft.positions {
            guard position.quantity > 0, position.totalGross >= .zero, !position.name.isEmpty else {
                throw .invalidRequest(reason: "a position needs a name, a positive quantity and a total that is not negative")
            }
        }
        let buyer = draft.buyer
        var buyerFields: [(String, FakturowniaBody?)]
        switch buyer.kind {
        case .privatePerson(let firstName, let lastName):
            buyerFields = [
                ("buyer_company", .bool(false)), ("buyer_first_name", .string(firstName)), ("buyer_last_name", .string(lastName)),
                ("buyer_name", .string([firstName, lastName].filter { !$0.isEmpty }.joined(separator: " "))),
            ]
        case .company(let name, let taxNumber):
            // A foreign or unregistered business may have no tax number: the field is left out, not sent empty.
            buyerFields = [
                ("buyer_company", .bool(true)), ("buyer_name", .string(name)), ("buyer_tax_no", taxNumber.isEmpty ? nil : .string(taxNumber)),
            ]
        }
        buyerFields += [
            ("buyer_email", .optional(buyer.email)), ("buyer_street", .optional(buyer.street)), ("buyer_post_code", .optional(buyer.postCode)),
            ("buyer_city", .optional(buyer.city)), ("buyer_country", .optional(buyer.country)),
        ]
        let positions = draft.positions.map { position in
            FakturowniaBody.object([
                ("name", .string(position.name)), ("quantity", .number(String(position.quantity))), ("quantity_unit", .optional(position.unit)),
                ("tax", position.tax.wire), ("total_price_gross", .money(position.totalGross)),
            ])
        }
        let fields: [(String, FakturowniaBody?)] =
            [
                ("kind", .string(draft.kind.rawValue)), ("number", .null), ("oid", .string(draft.oid)), ("oid_unique", .string("yes")),
                ("issue_date", .optional(draft.issueDate)), ("payment_to", .optional(draft.paymentTo)),
                ("payment_to_kind", draft.paymentTo == nil ? nil : .string("other_date")), ("currency", .string(draft.currency)),
                ("description", .optional(draft.description)), ("lang", .optional(draft.lang)),
            ] + buyerFields + [("positions", .array(positions))]
        return .object([("invoice", .object(fields))])
    }

    /// The VAT invoice copied from the proforma: the copy brings buyer, positions and currency,
    /// the body only what differs.
    package static func vatInvoiceBody(fromProforma proforma: FakturowniaInvoice, oid: String, issueDate: String) throws(FakturowniaGatewayError)
        -> WireJSON
    {
        guard proforma.kind == FakturowniaInvoiceKind.proforma.rawValue else { throw .invalidRequest(reason: "a VAT invoice is made from a proforma") }
        guard !oid.isEmpty else { throw .invalidRequest(reason: "an invoice needs an oid") }
        return .object([
            (
                "invoice",
                .object([
                    ("copy_invoice_from", .number(String(proforma.id))), ("kind", .string(FakturowniaInvoiceKind.vat.rawValue)), ("number", .null),
                    ("oid", .string(oid)), ("oid_unique", .string("yes")), ("issue_date", .string(issueDate)),
                    ("status", .string(FakturowniaInvoiceStatus.paid.rawValue)), ("paid_date", .optional(proforma.paidDate)),
                ])
            )
        ])
    }

    static func invoice(_ object: FakturowniaObject) throws(FakturowniaGatewayError) -> FakturowniaInvoice {
        var positions: [FakturowniaPosition] = []
        for row in object.objects("positions") {
            positions.append(
                FakturowniaPosition(
                    name: row.optionalString("name") ?? "", quantity: row.optionalString("quantity") ?? "", tax: row.optionalString("tax") ?? "",
                    totalGross: try row.money("total_price_gross")))
        }
        return FakturowniaInvoice(
            id: try object.id("id"), kind: try object.string("kind"), number: object.optionalString("number"), status: try object.string("status"),
            oid: object.optionalString("oid"), token: try object.string("token"), currency: object.optionalString("currency") ?? "",
            totalGross: try object.money("price_gross"), totalNet: try object.optionalMoney("price_net"), paid: try object.optionalMoney("paid"),
            paidDate: object.optionalString("paid_date"), issueDate: object.optionalString("issue_date"), paymentTo: object.optionalString("payment_to"),
            buyerName: object.optionalString("buyer_name"),
            updatedAt: object.optionalString("updated_at"), positions: positions, description: object.optionalString("description"),
            fromInvoiceID: object.optionalString("from_invoice_id").flatMap { Int64($0) })
    }

    /// An invoice found under the draft's `oid` is this draft's only if kind, currency and total agree.
    static func adopt(_ found: FakturowniaInvoice, for draft: FakturowniaInvoiceDraft) throws(FakturowniaGatewayError) -> FakturowniaInvoice {
        guard found.kind == draft.kind.rawValue, found.currency == draft.currency, found.totalGross == draft.totalGross else {
            throw .existingInvoiceDiffers(invoiceID: found.id)
        }
        return found
    }

    static func webhook(_ object: FakturowniaObject) throws(FakturowniaGatewayError) -> FakturowniaWebhook {
        FakturowniaWebhook(
            id: try object.id("id"), kind: try object.string("kind"), url: try object.string("url"), secret: Secret(object.optionalString("api_token") ?? ""),
            active: object.optionalBool("active") ?? true)
    }
}
