import FakturowniaAdapter
import FakturowniaSandbox
import FolioDomain
import Foundation
import HTTPTypes
import Hummingbird
import Testing

/// Payments (§8), webhooks (§9), and a `Retry-After` the simulator does not send (§10).
@Suite struct WebhookAndPaymentGatewayTests {
    @Test func aPaymentPaysTheInvoice() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let invoice = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            let part = try await harness.gateway.recordPayment(
                FakturowniaPaymentDraft(invoiceID: invoice.id, amount: MinorUnits(10_001), name: "Zaliczka", currency: "PLN", provider: "folio"),
                in: account)
            #expect(part.amount == MinorUnits(10_001))
            #expect(part.invoiceID == invoice.id)
            #expect(part.paid == true)
            #expect(try await harness.gateway.invoice(id: invoice.id, in: account).knownStatus == .partial)
            _ = try await harness.gateway.recordPayment(FakturowniaPaymentDraft(invoiceID: invoice.id, amount: MinorUnits(38_198)), in: account)
            let paid = try await harness.gateway.invoice(id: invoice.id, in: account)
            #expect(paid.knownStatus == .paid)
            #expect(paid.paid == invoice.totalGross)
        }
    }

    @Test func webhooksAreRegisteredListedDeliveredCheckedAndDeleted() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let receiver = LocalServer()
            try await receiver.run { endpoint in
                let url = endpoint.absoluteString + "/fakturownia/tenant-1"
                let secret = Secret("endpoint-secret-0123456789")
                let registered = try await harness.gateway.registerWebhooks(url: url, secret: secret, in: account)
                #expect(registered.map(\.knownKind) == [.invoiceCreate, .invoiceUpdate, .invoiceDestroy])
                #expect(registered.allSatisfy { $0.url == url && $0.active && $0.secret == secret })
                #expect(try await harness.gateway.webhooks(in: account).map(\.id) == registered.map(\.id))

                let invoice = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
                try await InFlightCapTests.eventually { receiver.received.count >= 1 }
                let delivery = try FakturowniaWebhookDelivery(body: try #require(receiver.received.first))
                #expect(delivery.invoiceID == invoice.id)
                #expect(delivery.status == "issued")
                #expect(delivery.paid == false)
                #expect(delivery.totalGross == invoice.totalGross)
                #expect(delivery.invoiceNumber == invoice.number)
                #expect(delivery.appName == "fakturownia")
                #expect(delivery.isAuthentic(expecting: secret))
                #expect(!delivery.isAuthentic(expecting: Secret("endpoint-secret-0123456780")))
                #expect(!delivery.isAuthentic(expecting: Secret("")))

                for webhook in registered { try await harness.gateway.deleteWebhook(id: webhook.id, in: account) }
                #expect(try await harness.gateway.webhooks(in: account).isEmpty)
                await #expect(throws: FakturowniaGatewayError.notFound(message: "Not Found")) {
                    try await harness.gateway.deleteWebhook(id: registered[0].id, in: account)
                }
            }
        }
    }

    @Test func aDeliveryWithoutIdOrSecretOrJSONIsRefused() {
        #expect(throws: FakturowniaWebhookDelivery.ParseError.notJSONObject) { try FakturowniaWebhookDelivery(body: Data("<html>".utf8)) }
        #expect(throws: FakturowniaWebhookDelivery.ParseError.missingInvoiceID) {
            try FakturowniaWebhookDelivery(body: Data(#"{"api_token":"s","deal":{}}"#.utf8))
        }
        #expect(throws: FakturowniaWebhookDelivery.ParseError.missingSecret) { try FakturowniaWebhookDelivery(body: Data(#"{"id":5}"#.utf8)) }
        #expect(throws: FakturowniaWebhookDelivery.ParseError.invalidAmount) {
            try FakturowniaWebhookDelivery(body: Data(#"{"id":5,"api_token":"s","deal":{"price":"1.234"}}"#.utf8))
        }
        let parsed = try? FakturowniaWebhookDelivery(
            body: Data(#"{"api_token":"s","deal":{"price":"12.3","external_ids":{"fakturownia":77},"status":"paid","paid":true}}"#.utf8))
        #expect(parsed?.invoiceID == 77)
        #expect(parsed?.totalGross == MinorUnits(1_230))
        #expect(parsed?.paid == true)
    }

    @Test func aRetryAfterOnARead429IsWaitedFor() async throws {
        var headers = HTTPFields()
        headers[HTTPField.Name("Retry-After")!] = "3"
        let provider = LocalServer(answers: [
            (.tooManyRequests, headers, #"{"code":"error","message":"Too many requests"}"#), (.ok, [:], #"{"prefix":"hotel"}"#),
        ])
        try await GatewayHarness.run { harness in
            try await provider.run { origin in
                let access = FakturowniaAccountAccess(baseURL: origin.appendingPathComponent("hotel"), apiToken: Secret("token-1"))
                let info = try await harness.gateway.account(access)
                #expect(info.prefix == "hotel")
                #expect(provider.received.count == 2)
                #expect(harness.sleeps.recorded == [.seconds(3)])
            }
        }
    }
}
