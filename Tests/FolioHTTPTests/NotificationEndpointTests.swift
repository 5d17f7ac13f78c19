import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxAdapter
import InvoiceboxSandbox
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import StatusUpdater
import TenantRegistry
import Testing

@Suite(.serialized) struct NotificationEndpointTests {
    @Test func aPaymentNotificationConfirmedByTheProviderMarksTheInvoicePaid() async throws {
        try await TestAPI.run { api in
            // Shops onboarded by the partner flow get no notification key: the read is what vouches.
            let (tenant, merchantID) = try await api.activeTenant("unsigned")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            let answer = try await api.notify(tenant, body: try await api.notificationBody(invoice), signature: nil)
            #expect(answer["status"] as? String == "success")
            #expect(try await api.invoiceStatus(invoice) == "paid")
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.paid"])
            let row = try await api.database.query(
                "SELECT signature, confirmed, claimed_status, invoice_id::text FROM \(unescaped: TestAPI.schema(of: tenant)).notifications",
                logger: TestDatabase.logger
            )
            let recorded = try await row.decode((String, Bool?, String?, String?).self).collect()
            #expect(recorded.count == 1)
            #expect(recorded.first?.0 == "unchecked")
            #expect(recorded.first?.1 == true)
            #expect(recorded.first?.2 == "completed")
            #expect(recorded.first?.3 == invoice.invoiceID)
        }
    }

    @Test func aClaimTheProviderDoesNotConfirmChangesNothing() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("forged")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            // Not paid at the provider; an unsigned body claims it was.
            let forged = try editedBody(try await api.notificationBody(invoice)) { $0["status"] = "completed" }
            let answer = try await api.notify(tenant, body: forged, signature: nil)
            #expect(answer["status"] as? String == "error")
            #expect(answer["code"] as? String == "out_of_service")
            #expect(try await api.invoiceStatus(invoice) == "open")
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created"])
            #expect(try await api.notificationVerdicts(tenant) == ["out_of_service"])
        }
    }

    @Test func signaturesAreCheckedOverTheRawBytesWithTheTenantsKey() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("signed")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            let body = try await api.notificationBody(invoice)
            #expect(body.contains(Array(#"\/"#.utf8)), "the sandbox escapes slashes, as the provider does")

            // A missing signature is answered as the provider's own sample does: retried.
            let missing = try await api.notify(tenant, body: body, signature: nil)
            #expect(missing["code"] as? String == "out_of_service")
            let forged = try await api.notify(tenant, body: body, signature: sign(body, key: "not-the-shops-key"))
            #expect(forged["code"] as? String == "signature_error")
            // The same JSON value, serialised again, no longer matches the signature of the bytes sent.
            let reserialised = try editedBody(body) { _ in }
            #expect(reserialised != body)
            let moved = try await api.notify(tenant, body: reserialised, signature: sign(body, key: key))
            #expect(moved["code"] as? String == "signature_error")
            #expect(try await api.invoiceStatus(invoice) == "open")

            let valid = try await api.notify(tenant, body: body, signature: sign(body, key: key).uppercased())
            #expect(valid["status"] as? String == "success")
            #expect(try await api.invoiceStatus(invoice) == "paid")
            #expect(try await api.notificationVerdicts(tenant) == ["out_of_service", "signature_error", "signature_error", "success"])
            let metrics = String(buffer: try await api.send(.get, "/metrics", key: .some(nil)).body)
            #expect(metrics.contains(#"folio_notifications_total{verdict="signature_error"}"#))
        }
    }

    @Test func theSettingCanTrustASignedClaimWithoutReadingTheOrder() async throws {
        try await TestAPI.run(confirmation: .unsigned) { api in
            let (signedTenant, signedShop, key) = try await api.signedTenant("trusted")
            let signed = try await api.openInvoice(signedTenant, merchantID: signedShop)
            // The provider has not seen a payment, so only a trusted signature can move the invoice.
            let claim = try editedBody(try await api.notificationBody(signed)) { $0["status"] = "completed" }
            #expect(try await api.notify(signedTenant, body: claim, signature: sign(claim, key: key))["status"] as? String == "success")
            #expect(try await api.invoiceStatus(signed) == "paid")

            // Without a key nothing vouches for the body: the order is read whatever the setting.
            let (unsignedTenant, unsignedShop) = try await api.activeTenant("untrusted")
            let unsigned = try await api.openInvoice(unsignedTenant, merchantID: unsignedShop)
            let forged = try editedBody(try await api.notificationBody(unsigned)) { $0["status"] = "completed" }
            #expect(try await api.notify(unsignedTenant, body: forged, signature: nil)["code"] as? String == "out_of_service")
            #expect(try await api.invoiceStatus(unsigned) == "open")
        }
    }

    @Test func theNotificationIsStoredAsReceivedWithoutCredentials() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("stored")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            let body = try await api.notificationBody(invoice)
            let signature = sign(body, key: key)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.authorization] = "Bearer something-secret"
            headers[.cookie] = "session=also-secret"
            headers[HTTPField.Name("X-Signature")!] = signature
            let response = try await api.client.execute(
                uri: "/v1/providers/invoicebox/notifications/\(tenant)", method: .post, headers: headers, body: ByteBuffer(data: body)
            )
            #expect(try response.json()["status"] as? String == "success")
            let rows = try await api.database.query(
                "SELECT body, headers::text, signature FROM \(unescaped: TestAPI.schema(of: tenant)).notifications",
                logger: TestDatabase.logger
            )
            let stored = try await rows.decode((Data, String, String).self).collect()
            #expect(stored.count == 1)
            #expect(stored.first?.0 == body, "the exact bytes the signature covers")
            #expect(stored.first?.2 == "valid")
            let storedHeaders = stored.first?.1 ?? ""
            #expect(storedHeaders.contains(signature))
            #expect(!storedHeaders.contains("secret"))
            // Stored as received: a list of name and value, in order.
            let list = try JSONSerialization.jsonObject(with: Data(storedHeaders.utf8)) as? [[String: String]]
            #expect(list?.first { $0["name"]?.lowercased() == "x-signature" }?["value"] == signature)
            #expect(list?.contains { $0["name"]?.lowercased() == "content-type" && $0["value"] == "application/json" } == true)
        }
    }

    @Test func aReplayAnswersSuccessAndChangesNothing() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("replayed")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            let body = try await api.notificationBody(invoice)
            for _ in 0..<3 {
                #expect(try await api.notify(tenant, body: body, signature: sign(body, key: key))["status"] as? String == "success")
            }
            #expect(try await api.eventTypes(tenant).filter { $0 == "invoice.paid" }.count == 1)
            let replays = try await api.database.scalar(
                "SELECT count(*) FROM \(unescaped: TestAPI.schema(of: tenant)).notifications WHERE replay_of IS NOT NULL", as: Int64.self
            )
            #expect(replays == 2)
            // A late `created` never reopens the paid invoice.
            let late = try editedBody(body) { $0["status"] = "created" }
            #expect(try await api.notify(tenant, body: late, signature: sign(late, key: key))["status"] as? String == "success")
            #expect(try await api.invoiceStatus(invoice) == "paid")
        }
    }

    @Test func aWrongAmountCurrencyOrShopIsRefusedAndChangesNothing() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("mismatch")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            let body = try await api.notificationBody(invoice)
            let cases: [(edit: (inout [String: Any]) -> Void, code: String)] = [
                ({ $0["amount"] = 1.5 }, "order_wrong_amount"),
                ({ $0["currencyId"] = "USD" }, "order_wrong_amount"),
                ({ $0.removeValue(forKey: "amount") }, "order_wrong_amount"),
                ({ $0["merchantId"] = UUID().uuidString.lowercased() }, "order_not_found"),
                (
                    {
                        $0["merchantOrderId"] = UUID().uuidString.lowercased()
                        $0["id"] = UUID().uuidString.lowercased()
                    }, "order_not_found"
                ),
                ({ $0["status"] = "teleported" }, "order_wrong_status"),
            ]
            for (edit, code) in cases {
                let changed = try editedBody(body, edit)
                let answer = try await api.notify(tenant, body: changed, signature: sign(changed, key: key))
                #expect(answer["status"] as? String == "error")
                #expect(answer["code"] as? String == code)
                #expect((answer["message"] as? String)?.isEmpty == false)
            }
            let wrong = try await api.notify(tenant, body: try editedBody(body) { $0["amount"] = 1.5 }, signature: sign(body, key: key))
            #expect(wrong["code"] as? String == "signature_error", "the signature is checked first")
            #expect(try await api.invoiceStatus(invoice) == "open")
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created"])
        }
    }

    @Test func anInvoicePaidByAnotherOrderAnswersAlreadyPaid() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("twice")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            let body = try await api.notificationBody(invoice)
            #expect(try await api.notify(tenant, body: body, signature: sign(body, key: key))["status"] as? String == "success")
            let other = try editedBody(body) { $0["id"] = UUID().uuidString.lowercased() }
            let answer = try await api.notify(tenant, body: other, signature: sign(other, key: key))
            #expect(answer["code"] as? String == "order_already_paid")
        }
    }

    @Test func anOrderWhoseMerchantOrderIdNamesNoInvoiceIsFoundByItsOwnId() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("renamed")
            // A merchant order id that names no invoice, and one that is no invoice id at all.
            for merchantOrderID in [UUID().uuidString.lowercased(), ""] {
                let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
                try await api.sandbox.state.pay(orderID: invoice.orderID)
                let body = try editedBody(try await api.notificationBody(invoice)) { $0["merchantOrderId"] = merchantOrderID }
                let answer = try await api.notify(tenant, body: body, signature: sign(body, key: key))
                #expect(answer["status"] as? String == "success", "merchantOrderId \(merchantOrderID)")
                #expect(try await api.invoiceStatus(invoice) == "paid", "merchantOrderId \(merchantOrderID)")
            }
        }
    }

    @Test func theMonitoringTestIsAnsweredWithoutTouchingAnyInvoice() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("monitored")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let test = Data(
                #"{"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","status":"completed","merchantId":"\#(merchantID)","merchantOrderId":"","amount":13740,"currencyId":"RUB","createdAt":"2024-08-01T09:15:00+00:00"}"#
                    .utf8
            )
            #expect(try await api.notify(tenant, body: test, signature: sign(test, key: key))["status"] as? String == "success")
            #expect(try await api.notify(tenant, body: test, signature: sign(test, key: "wrong"))["code"] as? String == "signature_error")
            let otherShop = try editedBody(test) { $0["merchantId"] = "ffffffff-ffff-ffff-ffff-ffffffffffff" }
            #expect(try await api.notify(tenant, body: otherShop, signature: sign(otherShop, key: key))["code"] as? String == "order_not_found")
            #expect(try await api.invoiceStatus(invoice) == "open")
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created"])
        }
    }

    @Test func unknownTenantsAndUnreadableBodiesStillGetTheProvidersFormat() async throws {
        try await TestAPI.run { api in
            let body = Data(#"{"id":"x","status":"completed","merchantId":"m","merchantOrderId":"o","amount":1,"currencyId":"RUB"}"#.utf8)
            for tenant in ["not-a-uuid", UUID().uuidString, "%20"] {
                let answer = try await api.notify(tenant, body: body, signature: nil)
                #expect(answer["status"] as? String == "error")
                #expect(answer["code"] as? String == "order_not_found")
            }
            let (tenant, _) = try await api.activeTenant("garbage")
            for garbage in ["", "[]", "{", #"{"id":1}"#, #"{"id":"a","status":"completed","merchantId":"m","amount":"lots"}"#] {
                let answer = try await api.notify(tenant, body: Data(garbage.utf8), signature: nil)
                #expect(answer["status"] as? String == "error", "\(garbage)")
            }
            // Neither an Accept that leaves out JSON nor an oversized body gets anything but the provider's format.
            var headers = HTTPFields()
            headers[.accept] = "text/plain"
            let picky = try await api.client.execute(
                uri: "/v1/providers/invoicebox/notifications/\(tenant)", method: .post, headers: headers, body: ByteBuffer(string: "{}")
            )
            #expect(picky.status == .ok)
            #expect(try picky.json()["status"] as? String == "error")
            let huge = try await api.notify(tenant, body: Data(repeating: 0x20, count: 2 << 20), signature: nil)
            #expect(huge["status"] as? String == "error")
            // No bearer key is needed, and none is looked at.
            let response = try await api.send(.post, "/v1/providers/invoicebox/notifications/\(tenant)", key: .some(nil), json: "{}")
            #expect(response.status == .ok)
            // A tenant without invoicing that never wrote gets no schema to record them in.
            let idle = try await api.createTenant("idle")
            #expect(try await api.notify(idle, body: body, signature: nil)["status"] as? String == "error")
            let schemaName = TenantID(string: idle)!.schemaName
            #expect(try await api.database.schemaExists(schemaName) == false)
        }
    }

    @Test func everyOrderOfArrivalConvergesOnTheSameState() async throws {
        // Signed claims are trusted here, so every claim reaches the transition rules: a
        // cancellation or an expiry may land first, and the payment must still win.
        try await TestAPI.run(confirmation: .unsigned) { api in
            let claims = ["created", "completed", "completed", "expired", "canceled"]
            var orders: [[Int]] = []
            func permute(_ prefix: [Int], _ rest: [Int]) {
                if rest.isEmpty { orders.append(prefix) }
                for (index, next) in rest.enumerated() {
                    var remaining = rest
                    remaining.remove(at: index)
                    permute(prefix + [next], remaining)
                }
            }
            permute([], Array(claims.indices))
            #expect(orders.count == 120)
            for (number, order) in orders.enumerated() {
                // A shop per permutation keeps each within the provider's request limit.
                let (tenant, merchantID, key) = try await api.signedTenant("permutation-\(number)")
                let invoice = try await api.openInvoice(tenant, merchantID: merchantID, reservationID: "P-\(number)")
                try await api.sandbox.state.pay(orderID: invoice.orderID)
                let paid = try await api.notificationBody(invoice)
                var paidYet = false
                for index in order {
                    let body = try editedBody(paid) { $0["status"] = claims[index] }
                    let answer = try await api.notify(tenant, body: body, signature: sign(body, key: key))
                    paidYet = paidYet || claims[index] == "completed"
                    // A cancellation after the payment would be a reversal, which is always read
                    // first: the provider still reports the order paid, so it is not confirmed.
                    let unconfirmedReversal = paidYet && claims[index] == "canceled"
                    #expect(answer["status"] as? String == (unconfirmedReversal ? "error" : "success"))
                }
                let arrival = order.map { claims[$0] }
                #expect(try await api.invoiceStatus(invoice) == "paid", "\(arrival)")
                // The first of expiry and cancellation to arrive before the payment is the only
                // one that shows; nothing follows the payment.
                let types = try await api.eventTypes(tenant).filter { $0.hasPrefix("invoice.") }
                let beforePayment = arrival.prefix { $0 != "completed" }
                let ended = beforePayment.first { $0 == "expired" || $0 == "canceled" }.map { "invoice.\($0)" }
                #expect(types == ["invoice.created"] + (ended.map { [$0] } ?? []) + ["invoice.paid"], "\(arrival)")
            }
        }
    }

    @Test func aNotificationWhoseHandlingDiesIsRedeliveredByTheProviderAndLosesNothing() async throws {
        try await TestAPI.run(listening: true) { api in
            let (tenant, merchantID) = try await api.activeTenant("interrupted")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            // The transaction that records the notification with the change fails once, as a
            // process killed before its commit would leave it.
            try await api.failNextNotificationRecord(of: tenant)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            try await eventually("the invoice was not paid") { try await api.invoiceStatus(invoice) == "paid" }
            #expect(try await api.notificationVerdicts(tenant) == ["success"])
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.paid"])
            let attempts = await api.sandbox.state.notificationAttempts().filter { $0.orderID == invoice.orderID }
            #expect(attempts.map(\.outcome).prefix(2) == ["out_of_service", "success"])
        }
    }
}

extension TestAPI {
    /// Makes the next insert into the tenant's notifications fail, rolling back its transaction.
    func failNextNotificationRecord(of tenant: String) async throws {
        try await failOnce(of: tenant, name: "notification", event: "BEFORE INSERT", table: "notifications")
    }
}
