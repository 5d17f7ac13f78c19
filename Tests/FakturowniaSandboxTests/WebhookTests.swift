import FakturowniaSandbox
import Foundation
import NIOHTTP1
import Testing

/// Webhooks (§9): registration, deliveries with the endpoint's secret and the sample's shape,
/// at most once, and the switches for the undocumented points.
@Suite struct WebhookTests {
    func register(_ tenant: TestAccount, _ kind: String, url: String, secret: String = "hook-secret-1") async throws -> Int {
        let reply = try await tenant.write(.POST, "/webhooks.json", ["webhook": ["kind": kind, "url": url, "api_token": secret, "active": true]])
        #expect(reply.status == 201)
        return try #require(reply.object["id"] as? Int)
    }

    @Test func webhooksAreListedUpdatedAndDeleted() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let id = try await register(tenant, "invoice:update", url: "http://127.0.0.1:9/hook/t1")
            let listed = try await tenant.get("/webhooks.json").array
            #expect(listed.count == 1)
            #expect(listed.first?["api_token"] as? String == "hook-secret-1")
            #expect(listed.first?["kind"] as? String == "invoice:update")
            let rotated = try await tenant.write(.PUT, "/webhooks/\(id).json", ["webhook": ["api_token": "hook-secret-2"]])
            #expect(rotated.object["api_token"] as? String == "hook-secret-2")
            #expect(rotated.object["url"] as? String == "http://127.0.0.1:9/hook/t1")
            let badKind = try await tenant.write(.POST, "/webhooks.json", ["webhook": ["kind": "invoice:paid", "url": "http://x.example/h"]])
            #expect(badKind.fieldErrors["kind"] == ["jest nieprawidłowe"])
            let noURL = try await tenant.write(.POST, "/webhooks.json", ["webhook": ["kind": "invoice:create"]])
            #expect(noURL.fieldErrors["url"] == ["nie może być puste"])
            #expect(try await tenant.delete("/webhooks/\(id).json").status == 200)
            #expect(try await tenant.get("/webhooks.json").array.isEmpty)
            #expect(try await tenant.delete("/webhooks/\(id).json").status == 404)
        }
    }

    @Test func everyChangeIsDeliveredOnceWithTheSecretAndTheSampleShape() async throws {
        let receiver = WebhookReceiver()
        try await receiver.run { hook in
            try await Fixture.withSandbox { sandbox, client in
                let tenant = try await Fixture.openAccount("hotel", client: client)
                for kind in ["invoice:create", "invoice:update", "invoice:destroy"] {
                    _ = try await register(tenant, kind, url: "\(hook)/tenant-7")
                }
                let invoice = try await tenant.createInvoice(["oid": "res-1", "oid_unique": "yes"]).object
                let id = try #require(invoice["id"] as? Int)
                // Our own writes echo back as updates: a payment, an e-mail, a status change.
                _ = try await tenant.write(.POST, "/banking/payments.json", ["banking_payment": ["invoice_id": id, "price": 16, "paid": true, "kind": "api"]])
                _ = try await client.send(.POST, "/hotel/invoices/\(id)/send_by_email.json", query: ["api_token": tenant.token])
                // The guest pays in Fakturownia.
                #expect(try await client.send(.POST, "/__sandbox/accounts/hotel/invoices/\(id)/pay").status == 200)
                _ = try await tenant.delete("/invoices/\(id).json")
                try await Fixture.eventually("five deliveries") { receiver.payloads.count >= 5 }
                try await Task.sleep(for: .milliseconds(200))
                let payloads = receiver.payloads
                #expect(payloads.count == 5)
                try await Fixture.eventually("every attempt is settled") {
                    await sandbox.state.deliveries.allSatisfy { $0.outcome != "pending" }
                }
                let deliveries = await sandbox.state.deliveries
                #expect(deliveries.map(\.kind) == ["invoice:create", "invoice:update", "invoice:update", "invoice:update", "invoice:destroy"])
                #expect(deliveries.allSatisfy { $0.outcome == "delivered" && $0.httpStatus == 200 })

                for payload in payloads {
                    #expect(Set(payload.keys) == ["id", "deal", "app_name", "api_token", "locale"])
                    #expect(payload["api_token"] as? String == "hook-secret-1")
                    #expect(payload["app_name"] as? String == "fakturownia")
                    #expect(payload["locale"] as? String == "pl")
                    #expect(payload["id"] as? Int == id)
                    let deal = try #require(payload["deal"] as? [String: Any])
                    #expect(deal["oid"] == nil)
                    #expect(deal["positions"] == nil)
                    #expect((deal["external_ids"] as? [String: Any])?["fakturownia"] as? Int == id)
                    #expect(deal["kind"] as? String == "vat")
                    #expect((deal["client"] as? [String: Any])?["name"] as? String == "Jan Kowalski")
                    #expect(!String(describing: payload).contains(tenant.token))
                }
                let deals = payloads.compactMap { $0["deal"] as? [String: Any] }
                #expect(deals.first?["price"] as? String == "216.0")
                #expect(deals.map { $0["status"] as? String } == ["issued", "partial", "partial", "paid", "paid"])
                #expect(deals.map { $0["paid"] as? Bool } == [false, false, false, true, true])
            }
        }
    }

    @Test func anInvoiceIssuedInTheApplicationFiresCreate() async throws {
        let receiver = WebhookReceiver()
        try await receiver.run { hook in
            try await Fixture.withSandbox { _, client in
                let tenant = try await Fixture.openAccount("hotel", client: client)
                _ = try await register(tenant, "invoice:create", url: "\(hook)/t")
                var body = TestAccount.invoice
                body["oid"] = "walk-in"
                let made = try await client.send(.POST, "/__sandbox/accounts/hotel/invoices", json: body)
                #expect(made.status == 201)
                try await Fixture.eventually("the create delivery") { receiver.payloads.count == 1 }
                #expect(receiver.payloads.first?["id"] as? Int == made.object["id"] as? Int)
            }
        }
    }

    @Test func theKindIsAddedOnlyWhenSoSet() async throws {
        let receiver = WebhookReceiver()
        try await receiver.run { hook in
            var configuration = FakturowniaConfiguration()
            configuration.webhookPayloadIncludesKind = true
            try await Fixture.withSandbox(configuration) { _, client in
                let tenant = try await Fixture.openAccount("hotel", client: client)
                _ = try await register(tenant, "invoice:create", url: "\(hook)/t")
                _ = try await tenant.createInvoice()
                try await Fixture.eventually("the create delivery") { receiver.payloads.count == 1 }
                #expect(receiver.payloads.first?["kind"] as? String == "invoice:create")
            }
        }
    }

    @Test func droppedDeliveriesNeverArriveAndAreNotRetried() async throws {
        let receiver = WebhookReceiver()
        try await receiver.run { hook in
            try await Fixture.withSandbox { sandbox, client in
                let tenant = try await Fixture.openAccount("hotel", client: client)
                _ = try await register(tenant, "invoice:create", url: "\(hook)/t")
                let set = try await client.send(.PUT, "/__sandbox/settings", json: ["drop_webhook_deliveries": true])
                #expect(set.object["drop_webhook_deliveries"] as? Bool == true)
                _ = try await tenant.createInvoice()
                _ = try await client.send(.PUT, "/__sandbox/settings", json: ["drop_webhook_deliveries": false])
                _ = try await tenant.createInvoice(["oid": "second"])
                try await Fixture.eventually("the second delivery") { receiver.payloads.count == 1 }
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.payloads.count == 1)
                try await Fixture.eventually("the second attempt is settled") {
                    await sandbox.state.deliveries.last?.outcome != "pending"
                }
                #expect(await sandbox.state.deliveries.map(\.outcome) == ["dropped", "delivered"])
            }
        }
    }

    @Test func unwrappedFieldsAreRefusedUnlessSoSetAndThenTheAccountTokenIsTheSecret() async throws {
        try await Fixture.withSandbox { sandbox, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let fields: [String: Any] = ["kind": "invoice:update", "url": "http://127.0.0.1:9/hook", "active": true]
            let refused = try await tenant.write(.POST, "/webhooks.json", fields)
            #expect(refused.status == 422)
            #expect(refused.fieldErrors["webhook"] == ["nie może być puste"])
            await sandbox.state.updateConfiguration { $0.acceptsUnwrappedWebhookFields = true }
            let taken = try await tenant.write(.POST, "/webhooks.json", fields)
            #expect(taken.status == 201)
            #expect(taken.object["api_token"] as? String == tenant.token)
        }
    }

    @Test func aFailedDeliveryIsNotRetried() async throws {
        var configuration = FakturowniaConfiguration()
        configuration.webhookTimeout = .seconds(1)
        try await Fixture.withSandbox(configuration) { sandbox, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            _ = try await register(tenant, "invoice:create", url: "http://127.0.0.1:9/nothing-listens")
            _ = try await tenant.createInvoice()
            try await Fixture.eventually("the attempt is settled") { await sandbox.state.deliveries.first?.outcome == "failed" }
            try await Task.sleep(for: .milliseconds(300))
            #expect(await sandbox.state.deliveries.count == 1)
            let listed = try await client.send(.GET, "/__sandbox/deliveries").array
            #expect(listed.first?["outcome"] as? String == "failed")
        }
    }
}
