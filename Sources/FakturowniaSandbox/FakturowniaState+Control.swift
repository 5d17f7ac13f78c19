import Foundation

/// The control API under `/__sandbox/`: what happens outside the provider's API in real life
/// (a guest pays, the user issues an invoice in the web application), what tests look at
/// (e-mails sent, webhook deliveries, requests received) and the behaviour switches.
extension FakturowniaState {
    func control(method: String, path: [String], query: [String: String], body: Data) -> FakturowniaReply {
        do {
            return try controlRoute(method: method, path: path, body: body)
        } catch {
            return FakturowniaReply(status: error.status, contentType: "application/json; charset=utf-8", body: error.body)
        }
    }

    private func controlRoute(method: String, path: [String], body: Data) throws(FakturowniaError) -> FakturowniaReply {
        let (shape, args) = FakturowniaState.shape(of: path)
        switch (method, shape) {
        case ("GET", "settings"):
            return .json(settingsJSON)
        case ("PUT", "settings"), ("PATCH", "settings"):
            try applySettings(try FakturowniaJSON.object(body))
            return .json(settingsJSON)
        case ("POST", "faults"):
            let object = try FakturowniaJSON.object(body)
            guard let kind = FakturowniaJSON.text(object["kind"]).flatMap(FakturowniaFault.Kind.init(rawValue:)) else {
                throw .invalid("kind", FakturowniaError.invalidValue)
            }
            inject(
                FakturowniaFault(
                    kind: kind, method: FakturowniaJSON.text(object["method"]), pathContains: FakturowniaJSON.text(object["path_contains"]),
                    status: Int(FakturowniaJSON.text(object["status"]) ?? "") ?? 500,
                    milliseconds: Int(FakturowniaJSON.text(object["milliseconds"]) ?? "") ?? 0, count: Int(FakturowniaJSON.text(object["count"]) ?? "") ?? 1))
            return .json(["status": "ok"], status: 201)
        case ("DELETE", "faults"):
            clearFaults()
            return .json(["status": "ok"])
        case ("GET", "emails"):
            return .json(
                emails.map { ["prefix": $0.prefix, "invoice_id": $0.invoiceID, "to": $0.to, "cc": $0.cc, "email_pdf": $0.withPDF] as [String: Any] })
        case ("GET", "deliveries"):
            return .json(
                deliveries.map { delivery in
                    [
                        "webhook_id": delivery.webhookID, "kind": delivery.kind, "url": delivery.url, "invoice_id": delivery.invoiceID,
                        "http_status": delivery.httpStatus ?? NSNull(), "outcome": delivery.outcome,
                    ] as [String: Any]
                })
        case ("GET", "requests"):
            return .json(
                requests.map {
                    ["method": $0.method, "prefix": $0.prefix ?? NSNull(), "path": $0.path, "query": $0.redactedQuery] as [String: Any]
                })
        case ("POST", "accounts"):
            let object = try FakturowniaJSON.object(body)
            guard let prefix = FakturowniaJSON.text(object["prefix"]), !prefix.isEmpty else { throw .invalid("prefix", FakturowniaError.blank) }
            guard accountSummary(prefix: prefix) == nil else { throw .invalid("prefix", FakturowniaError.taken) }
            addAccount(
                prefix: prefix, apiToken: FakturowniaJSON.text(object["api_token"]) ?? Self.randomToken(length: 20),
                lang: FakturowniaJSON.text(object["lang"]) ?? "pl")
            return .json(accountSummary(prefix: prefix) ?? [:], status: 201)
        case ("GET", "accounts/*"):
            let prefix = args[0]
            guard let summary = accountSummary(prefix: prefix) else { throw .notFound }
            return .json(summary)
        case ("POST", "accounts/*/invoices"):
            let prefix = args[0]
            return try createInApplication(prefix: prefix, body: body)
        case ("POST", "accounts/*/invoices/*/pay"):
            let prefix = args[0]
            let id = args[1]
            guard let id = Int(id) else { throw .notFound }
            return try payAsGuest(prefix: prefix, invoiceID: id)
        default:
            throw .notFound
        }
    }

    private var settingsJSON: [String: Any] {
        [
            "account_without_integration_token": configuration.accountWithoutIntegrationToken.rawValue,
            "per_page_over_limit": configuration.perPageOverLimit.rawValue,
            "webhook_payload_includes_kind": configuration.webhookPayloadIncludesKind,
            "send_by_email_refused": configuration.sendByEmailRefused,
            "drop_webhook_deliveries": configuration.dropWebhookDeliveries,
            "accepts_unwrapped_webhook_fields": configuration.acceptsUnwrappedWebhookFields,
            "cancel_leaves_status": configuration.cancelLeavesStatus.rawValue,
        ]
    }

    private func applySettings(_ object: [String: Any]) throws(FakturowniaError) {
        var changed = configuration
        for (name, value) in object {
            switch name {
            case "account_without_integration_token":
                guard let mode = FakturowniaJSON.text(value).flatMap(FakturowniaConfiguration.AccountWithoutIntegrationToken.init(rawValue:)) else {
                    throw .invalid(name, FakturowniaError.invalidValue)
                }
                changed.accountWithoutIntegrationToken = mode
            case "per_page_over_limit":
                guard let mode = FakturowniaJSON.text(value).flatMap(FakturowniaConfiguration.PerPageOverLimit.init(rawValue:)) else {
                    throw .invalid(name, FakturowniaError.invalidValue)
                }
                changed.perPageOverLimit = mode
            case "cancel_leaves_status":
                guard let status = FakturowniaJSON.text(value).flatMap(FakturowniaConfiguration.CancelLeavesStatus.init(rawValue:)) else {
                    throw .invalid(name, FakturowniaError.invalidValue)
                }
                changed.cancelLeavesStatus = status
            case "webhook_payload_includes_kind", "send_by_email_refused", "drop_webhook_deliveries", "accepts_unwrapped_webhook_fields":
                guard let flag = FakturowniaJSON.bool(value) else { throw .invalid(name, FakturowniaError.invalidValue) }
                switch name {
                case "webhook_payload_includes_kind": changed.webhookPayloadIncludesKind = flag
                case "send_by_email_refused": changed.sendByEmailRefused = flag
                case "accepts_unwrapped_webhook_fields": changed.acceptsUnwrappedWebhookFields = flag
                default: changed.dropWebhookDeliveries = flag
                }
            default:
                throw .invalid(name, FakturowniaError.invalidValue)
            }
        }
        let result = changed
        updateConfiguration { $0 = result }
    }
}
