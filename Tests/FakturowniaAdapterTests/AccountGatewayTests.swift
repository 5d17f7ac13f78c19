import FakturowniaAdapter
import FakturowniaSandbox
import FolioDomain
import Foundation
import Testing

/// Opening an account through the partner flow, and connecting an existing one (§3).
@Suite struct AccountGatewayTests {
    @Test func thePartnerFlowOpensAnAccountWhoseTokenWorks() async throws {
        try await GatewayHarness.run { harness in
            let opened = try await harness.gateway.createAccount(
                FakturowniaNewAccount(
                    prefix: "pensjonat", integrationFastLogin: true,
                    user: .init(login: "pensjonat", email: "owner@pensjonat.example", password: Secret("owner-password-1")),
                    company: .init(name: "Pensjonat Pod Lipami", taxNumber: "5252248481", postCode: "30-001", city: "Kraków", street: "Lipowa 1")),
                integrationToken: Secret(harness.partnerConfiguration.integrationToken), on: harness.partner)
            #expect(opened.prefix == "pensjonat")
            #expect(opened.url.absoluteString == harness.origin.absoluteString + "/pensjonat")
            #expect(opened.login == "pensjonat")
            #expect(opened.email == "owner@pensjonat.example")
            #expect(opened.access.apiToken.revealed == (await harness.sandbox.state.apiToken(of: "pensjonat")))
            #expect(try await harness.gateway.account(opened.access).prefix == "pensjonat")
        }
    }

    @Test func aTakenPrefixIsGrantedUnderAnotherName() async throws {
        try await GatewayHarness.run { harness in
            _ = try await harness.openAccount("hotel")
            let second = try await harness.openAccount("hotel")
            let info = try await harness.gateway.account(second)
            #expect(info.prefix == "hotel1")
            #expect(GatewayHarness.prefix(of: second) == "hotel1")
        }
    }

    @Test func anAnswerWithoutATokenMeansPartnerStatusIsNeeded() async throws {
        try await GatewayHarness.run { harness in
            let error = await #expect(throws: FakturowniaGatewayError.self) {
                _ = try await harness.gateway.createAccount(
                    FakturowniaNewAccount(prefix: "notoken", user: .init(email: "o@notoken.example", password: Secret("owner-password-1"))),
                    integrationToken: nil, on: harness.partner)
            }
            #expect(error == .partnerStatusNeeded(prefix: "notoken"))
        }
    }

    @Test func aWrongIntegrationCodeIsUnauthorized() async throws {
        try await GatewayHarness.run { harness in
            let error = await #expect(throws: FakturowniaGatewayError.self) {
                _ = try await harness.gateway.createAccount(
                    FakturowniaNewAccount(prefix: "wrongcode", user: .init(email: "o@wrongcode.example", password: Secret("owner-password-1"))),
                    integrationToken: Secret("not-the-code"), on: harness.partner)
            }
            #expect(error == .unauthorized(message: "You must be logged in to gain access to the site"))
        }
    }

    @Test func aConnectedAccountsTokenIsValidatedAndAWrongOneRefused() async throws {
        try await GatewayHarness.run { harness in
            await harness.sandbox.state.addAccount(prefix: "existing", apiToken: "pasted-token-1234567890")
            let base = harness.origin.appendingPathComponent("existing")
            let info = try await harness.gateway.account(FakturowniaAccountAccess(baseURL: base, apiToken: Secret("pasted-token-1234567890")))
            #expect(info.prefix == "existing")
            let error = await #expect(throws: FakturowniaGatewayError.self) {
                _ = try await harness.gateway.account(FakturowniaAccountAccess(baseURL: base, apiToken: Secret("mistyped-token")))
            }
            #expect(error == .unauthorized(message: "You must be logged in to gain access to the site"))
        }
    }
}
