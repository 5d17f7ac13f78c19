import FolioTestSupport
import Foundation
import InvoiceboxSandbox
import Logging
import NIOHTTP1
import Testing

/// The partner's activation call: a code becomes a shop once, unless the sandbox is told that
/// codes may be used again.
@Suite struct SandboxActivationTests {
    static let logger = Logger(label: "folio.test.sandbox")
    static let partner = SandboxConfiguration()

    func withSandbox(_ configuration: SandboxConfiguration = .fast, _ body: @Sendable (InvoiceboxSandbox, SandboxClient) async throws -> Void) async throws {
        let sandbox = InvoiceboxSandbox(configuration: configuration, logger: Self.logger)
        try await sandbox.withRunningServer { url in
            try await body(sandbox, SandboxClient(baseURL: url))
        }
    }

    /// Invites `email` and returns the code the invitation "e-mailed".
    func invite(_ email: String, client: SandboxClient) async throws -> String {
        let invited = try await client.send(
            .POST, "/v3/notification/api/invite", token: Self.partner.partnerToken,
            json: ["partnerId": Self.partner.partnerID, "type": "email", "identifier": email]
        )
        #expect(invited.status == 200)
        let mailbox = try await client.send(.GET, "/__sandbox/invites/\(email)")
        return try #require(mailbox.json["activationCode"] as? String)
    }

    func activate(_ code: String, client: SandboxClient) async throws -> SandboxClient.Reply {
        try await client.send(
            .POST, "/v3/billing/api/merchant/merchant-integration-setting/activation", token: Self.partner.partnerToken,
            json: ["partnerId": Self.partner.partnerID, "activationCode": code]
        )
    }

    @Test func aCodeWorksOnceAndIsThenAnsweredLikeAnUnknownCode() async throws {
        try await withSandbox { _, client in
            let code = try await invite("gm@hotel.example", client: client)
            let first = try await activate(code, client: client)
            #expect(first.status == 200)
            let shop = try #require(first.json["data"] as? [String: Any])
            let merchantID = try #require(shop["merchantId"] as? String)
            let token = try #require(shop["token"] as? String)

            let unknown = try await activate("000000000", client: client)
            let again = try await activate(code, client: client)
            #expect(again.status == unknown.status)
            #expect(again.status == 422)
            #expect(again.errorCode == "activation_code_not_found")
            #expect(again.json as NSDictionary == unknown.json as NSDictionary)

            // The shop the code made stays, and its cabinet shows the credentials to connect it with.
            let mailbox = try await client.send(.GET, "/__sandbox/invites/gm@hotel.example")
            #expect(mailbox.json["merchantId"] as? String == merchantID)
            #expect(mailbox.json["token"] as? String == token)
            let auth = try await client.send(.GET, "/v3/security/api/auth/auth", token: token)
            #expect((auth.json["data"] as? [String: Any])?["userId"] as? String == merchantID)
        }
    }

    @Test func aCodeNotUsedYetShowsNoShopInTheCabinet() async throws {
        try await withSandbox { _, client in
            _ = try await invite("gm@hotel.example", client: client)
            let mailbox = try await client.send(.GET, "/__sandbox/invites/gm@hotel.example")
            #expect(mailbox.status == 200)
            #expect(mailbox.json["merchantId"] == nil)
            #expect(mailbox.json["token"] == nil)
        }
    }

    @Test func reusableCodesAnswerTheSameShopAgain() async throws {
        var configuration = SandboxConfiguration.fast
        configuration.reusableActivationCodes = true
        try await withSandbox(configuration) { _, client in
            let code = try await invite("gm@hotel.example", client: client)
            let first = try await activate(code, client: client)
            let again = try await activate(code, client: client)
            #expect(first.status == 200)
            #expect(again.status == 200)
            let firstShop = try #require(first.json["data"] as? [String: Any])
            let againShop = try #require(again.json["data"] as? [String: Any])
            #expect(againShop["merchantId"] as? String == firstShop["merchantId"] as? String)
            #expect(againShop["token"] as? String == firstShop["token"] as? String)
        }
    }

    @Test func codesAreSingleUseByDefault() {
        #expect(SandboxConfiguration().reusableActivationCodes == false)
        #expect(SandboxConfiguration.fast.reusableActivationCodes == false)
    }
}
