import FakturowniaSandbox
import Foundation
import NIOHTTP1
import Testing

/// Partner account creation (§3), token validation and the error shapes of §2/§11.
@Suite struct AccountTests {
    let partner = FakturowniaConfiguration()

    func createAccount(_ client: FakturowniaClient, _ body: [String: Any]) async throws -> FakturowniaClient.Reply {
        try await client.send(.POST, "/\(partner.partnerPrefix)/account.json", json: body.merging(["api_token": partner.partnerAPIToken]) { a, _ in a })
    }

    @Test func thePartnerOpensAnAccountAndATakenPrefixGetsAnother() async throws {
        try await Fixture.withSandbox { _, client in
            let body: [String: Any] = [
                "integration_token": partner.integrationToken,
                "account": ["prefix": "hotel-one", "lang": "pl", "integration_fast_login": true],
                "user": ["login": "gm", "email": "gm@hotel.example", "password": "secret-1"],
                "company": ["name": "Hotel One", "tax_no": "5252344078", "city": "Kraków"],
            ]
            let first = try await createAccount(client, body)
            #expect(first.status == 200)
            #expect(first.object["prefix"] as? String == "hotel-one")
            #expect(first.object["url"] as? String == "\(client.origin.absoluteString)/hotel-one")
            #expect(first.object["login"] as? String == "gm")
            #expect(first.object["email"] as? String == "gm@hotel.example")
            let token = try #require(first.object["api_token"] as? String)

            let second = try await createAccount(client, body)
            #expect(second.object["prefix"] as? String == "hotel-one1")
            #expect(second.object["login"] as? String == "gm1")
            #expect(second.object["api_token"] as? String != token)

            let account = try await client.send(.GET, "/hotel-one/account.json", query: ["api_token": token])
            #expect(account.status == 200)
            #expect(account.object["prefix"] as? String == "hotel-one")
            // The first account's token opens no other account.
            let other = try await client.send(.GET, "/hotel-one1/account.json", query: ["api_token": token])
            #expect(other.status == 401)
        }
    }

    @Test func withoutAUserBlockThePartnersUserOwnsTheAccount() async throws {
        try await Fixture.withSandbox { _, client in
            let reply = try await createAccount(client, ["integration_token": partner.integrationToken, "account": ["prefix": "orphan"]])
            #expect(reply.status == 200)
            #expect(reply.object["login"] as? String == "partner")
        }
    }

    @Test func withoutIntegrationTokenTheAccountIsMadeButNoTokenIsAnsweredByDefault() async throws {
        try await Fixture.withSandbox { sandbox, client in
            let reply = try await createAccount(client, ["account": ["prefix": "quiet"], "user": ["email": "q@hotel.example"]])
            #expect(reply.status == 200)
            #expect(reply.object["prefix"] as? String == "quiet")
            #expect(reply.object["api_token"] == nil)
            #expect(await sandbox.state.apiToken(of: "quiet") != nil)
        }
    }

    @Test func withoutIntegrationTokenTheAccountIsRefusedWhenSoSet() async throws {
        var configuration = FakturowniaConfiguration()
        configuration.accountWithoutIntegrationToken = .refuse
        try await Fixture.withSandbox(configuration) { sandbox, client in
            let reply = try await createAccount(client, ["account": ["prefix": "quiet"]])
            #expect(reply.status == 401)
            #expect(await sandbox.state.apiToken(of: "quiet") == nil)
            // A wrong integration code is refused whatever the setting.
            let wrong = try await createAccount(client, ["integration_token": "nope", "account": ["prefix": "quiet"]])
            #expect(wrong.status == 401)
        }
    }

    @Test func theSettingCanBeChangedWhileRunning() async throws {
        try await Fixture.withSandbox { _, client in
            let set = try await client.send(.PUT, "/__sandbox/settings", json: ["account_without_integration_token": "refuse"])
            #expect(set.status == 200)
            #expect(set.object["account_without_integration_token"] as? String == "refuse")
            #expect(try await createAccount(client, ["account": ["prefix": "quiet"]]).status == 401)
            let bad = try await client.send(.PUT, "/__sandbox/settings", json: ["per_page_over_limit": "sometimes"])
            #expect(bad.status == 422)
        }
    }

    @Test func aMissingPrefixIsAFieldError() async throws {
        try await Fixture.withSandbox { _, client in
            let reply = try await createAccount(client, ["integration_token": partner.integrationToken, "account": ["lang": "pl"]])
            #expect(reply.status == 422)
            #expect(reply.object["code"] as? String == "error")
            #expect(reply.fieldErrors["prefix"] == ["nie może być puste"])
        }
    }

    @Test func onlyThePartnerOpensAccounts() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let reply = try await tenant.write(.POST, "/account.json", ["integration_token": partner.integrationToken, "account": ["prefix": "x"]])
            #expect(reply.status == 401)
        }
    }

    @Test func aBadTokenOrPrefixOrAHeaderTokenIsTheLoginError() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let replies = [
                try await client.send(.GET, "/hotel/invoices.json", query: ["api_token": "wrong"]),
                try await client.send(.GET, "/nobody/invoices.json", query: ["api_token": tenant.token]),
                try await client.send(.GET, "/hotel/invoices.json", headers: [("Authorization", "Bearer \(tenant.token)")]),
                try await client.send(.GET, "/hotel/invoices.json", headers: [("X-Api-Key", tenant.token)]),
            ]
            for reply in replies {
                #expect(reply.status == 401)
                #expect(reply.object["message"] as? String == "You must be logged in to gain access to the site")
            }
        }
    }

    @Test func theHostHeaderSubdomainAddressesTheAccountToo() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let port = client.origin.port ?? 0
            let reply = try await client.send(
                .GET, "/account.json", query: ["api_token": tenant.token], headers: [("Host", "hotel.fakturownia.test:\(port)")])
            #expect(reply.status == 200)
            #expect(reply.object["prefix"] as? String == "hotel")
            #expect(reply.object["url"] as? String == "http://hotel.fakturownia.test:\(port)")
        }
    }

    @Test func theTokenIsNeverLoggedAndRequestRecordsMaskIt() async throws {
        let log = CapturedLog()
        var configuration = FakturowniaConfiguration()
        configuration.webhookTimeout = .seconds(1)
        try await Fixture.withSandbox(configuration, logger: log.logger) { sandbox, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            _ = try await tenant.createInvoice()
            _ = try await tenant.get("/invoices.json", ["period": "all"])
            _ = try await client.send(.GET, "/hotel/invoices.json", query: ["api_token": "wrong-\(tenant.token)"])
            _ = try await tenant.write(.POST, "/webhooks.json", ["webhook": ["kind": "invoice:create", "url": "http://127.0.0.1:9/x", "api_token": "hook"]])
            _ = try await tenant.createInvoice(["oid": "r-1"])
            try await Fixture.eventually("the failed delivery is settled") {
                await sandbox.state.deliveries.first?.outcome == "failed"
            }
            #expect(written(log).contains("webhook not delivered"))
            let requests = try await client.send(.GET, "/__sandbox/requests")
            #expect(requests.array.count >= 4)
            #expect(!requests.text.contains(tenant.token))
            #expect(requests.text.contains("api_token=[REDACTED]"))
            let written = log.text
            #expect(!written.contains(tenant.token))
            #expect(!written.contains(FakturowniaConfiguration().partnerAPIToken))
            #expect(!written.contains(FakturowniaConfiguration().integrationToken))
            #expect(!written.contains("hook\""))
        }
    }

    private func written(_ log: CapturedLog) -> String { log.text }
}
