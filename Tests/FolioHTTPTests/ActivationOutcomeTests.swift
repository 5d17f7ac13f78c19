import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import InvoiceboxSandbox

/// An activation whose answer never arrives: nothing is half-activated, the state says what
/// happened, and the shop the code became is connected with the credentials from the cabinet.
@Suite struct ActivationOutcomeTests {
    static let activationPath = "/merchant-integration-setting/activation"
    static let wayOut = "PUT …/invoicing/credentials"

    /// Creates a tenant, invites `email` and returns the tenant and the code it received.
    func invitedTenant(_ api: TestAPI, email: String) async throws -> (tenant: String, code: String) {
        let tenant = try await api.createTenant(email)
        let invited = try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/invite", json: #"{"email":"\#(email)"}"#)
        #expect(invited.status == .ok)
        return (tenant, try #require(await api.sandbox.state.activationCode(email: email)))
    }

    func activate(_ api: TestAPI, _ tenant: String, code: String) async throws -> TestResponse {
        try await api.send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"\#(code)"}"#)
    }

    func state(_ api: TestAPI, _ tenant: String) async throws -> [String: Any] {
        try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()
    }

    func storedSecrets(_ api: TestAPI, _ tenant: String) async throws -> Int64? {
        try await api.database.scalar("SELECT count(*) FROM folio.vault_secrets WHERE tenant_id = \(UUID(uuidString: tenant)!)", as: Int64.self)
    }

    @Test func aLostAnswerLeavesTheTenantInvitedUntilTheShopIsConnected() async throws {
        try await TestAPI.run { api in
            let (tenant, code) = try await invitedTenant(api, email: "gm@lossy.example")
            // The provider turns the code into a shop, then a proxy loses the answer.
            await api.sandbox.state.inject(SandboxFault(kind: .dropResponse, method: "POST", pathContains: Self.activationPath, remaining: 1))
            let lost = try await activate(api, tenant, code: code)
            #expect(lost.status == .badGateway)
            #expect(lost.problemCode == "activation_outcome_unknown")
            #expect((try lost.json()["detail"] as? String)?.contains(Self.wayOut) == true)
            let shop = try #require(await api.sandbox.state.activatedMerchant(email: "gm@lossy.example"))
            #expect(!String(buffer: lost.body).contains(shop.token))

            let unknown = try await state(api, tenant)
            #expect(unknown["state"] as? String == "invited")
            let markedAt = try #require(unknown["activationOutcomeUnknownAt"] as? String)
            #expect(abs(try Date(markedAt, strategy: .iso8601).timeIntervalSinceNow) < 60)
            #expect(unknown["merchantId"] == nil)
            #expect(unknown["tokenLastFour"] == nil)
            #expect(try await storedSecrets(api, tenant) == 0)

            // The code is spent: trying it again is refused, and still points at the way out.
            let again = try await activate(api, tenant, code: code)
            #expect(again.status == .unprocessableContent)
            #expect(again.problemCode == "activation_code_rejected")
            #expect(try again.json()["providerCode"] as? String == "activation_code_not_found")
            #expect((try again.json()["detail"] as? String)?.contains(Self.wayOut) == true)
            let stillUnknown = try await state(api, tenant)
            #expect(stillUnknown["state"] as? String == "invited")
            #expect(stillUnknown["activationOutcomeUnknownAt"] as? String == markedAt)
            #expect(try await storedSecrets(api, tenant) == 0)

            // The hotel copies the shop's credentials from the cabinet.
            let connected = try await api.send(
                .put, "/v1/tenants/\(tenant)/invoicing/credentials", json: #"{"merchantId":"\#(shop.id)","token":"\#(shop.token)"}"#)
            #expect(connected.status == .ok)
            let active = try connected.json()
            #expect(active["state"] as? String == "active")
            #expect(active["merchantId"] as? String == shop.id)
            #expect(active["activationOutcomeUnknownAt"] == nil)
            #expect(try await state(api, tenant)["activationOutcomeUnknownAt"] == nil)
            #expect(try await storedSecrets(api, tenant) == 1)
        }
    }

    @Test func aServerErrorThatDoesNotRefuseTheCodeIsAnUnknownOutcomeALaterActivationClears() async throws {
        try await TestAPI.run { api in
            let (tenant, code) = try await invitedTenant(api, email: "gm@flaky.example")
            await api.sandbox.state.inject(SandboxFault(kind: .status, method: "POST", pathContains: Self.activationPath, remaining: 1, status: 500))
            let failed = try await activate(api, tenant, code: code)
            #expect(failed.status == .badGateway)
            #expect(failed.problemCode == "activation_outcome_unknown")
            #expect(try await state(api, tenant)["activationOutcomeUnknownAt"] is String)

            // This provider failed before it used the code, so the code still works.
            let activated = try await activate(api, tenant, code: code)
            #expect(activated.status == .ok)
            #expect(try activated.json()["state"] as? String == "active")
            #expect(try activated.json()["activationOutcomeUnknownAt"] == nil)
            let cleared = try await api.database.scalar(
                "SELECT count(*) FROM folio.tenant_invoicing WHERE activation_outcome_unknown_at IS NOT NULL", as: Int64.self)
            #expect(cleared == 0)
        }
    }

    @Test func aProviderThatSaysItDidNothingIsNoUnknownOutcome() async throws {
        try await TestAPI.run { api in
            let (tenant, code) = try await invitedTenant(api, email: "gm@busy.example")
            await api.sandbox.state.inject(SandboxFault(kind: .status, method: "POST", pathContains: Self.activationPath, remaining: 1, status: 503))
            let unavailable = try await activate(api, tenant, code: code)
            #expect(unavailable.status == .serviceUnavailable)
            #expect(unavailable.problemCode == "provider_unavailable")
            let invited = try await state(api, tenant)
            #expect(invited["state"] as? String == "invited")
            #expect(invited["activationOutcomeUnknownAt"] == nil)

            let wrong = try await activate(api, tenant, code: "000000000")
            #expect(wrong.problemCode == "activation_code_rejected")
            #expect((try wrong.json()["detail"] as? String)?.contains(Self.wayOut) == false)
        }
    }
}
