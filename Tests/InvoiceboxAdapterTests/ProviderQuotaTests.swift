import FolioDomain
import Foundation
import InvoiceboxSandbox
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

/// Whose quota a call spends, and whose shop a token may act for.
@Suite struct ProviderQuotaTests {
    /// A limit of two per window, and a read budget far shorter than the window, so that a full
    /// window answers at once instead of waiting for a slot.
    static var smallQuota: InvoiceboxClientConfiguration {
        var configuration = SandboxHarness.fastClient
        configuration.requestsPerWindow = 2
        configuration.partnerRequestsPerTenant = 2
        configuration.window = .seconds(600)
        configuration.readBudget = .seconds(2)
        configuration.readAttempts = 1
        return configuration
    }

    @Test func aShopsQuotaIsNotSpentByAnotherTokenNamingItsMerchant() async throws {
        try await SandboxHarness.run(client: Self.smallQuota) { harness async throws in
            await harness.assumePagingSpelling()
            let other = await harness.sandbox.state.addMerchant()
            // Another tenant claims this shop's merchant id with a token of its own.
            let intruder = ShopCredentials(merchantID: harness.shop.merchantID, token: Secret(other.token), baseURL: harness.baseURL, tenant: TenantID(UUID()))
            for _ in 0..<2 {
                _ = try? await harness.gateway.listOrders(OrderQuery(), shop: intruder)
            }
            // The shop's own two requests still go through.
            _ = try await harness.gateway.listOrders(OrderQuery(), shop: harness.shop)
            _ = try await harness.gateway.listOrders(OrderQuery(), shop: harness.shop)
            let error = await #expect(throws: PaymentError.self) {
                try await harness.gateway.listOrders(OrderQuery(), shop: harness.shop)
            }
            guard case .rateLimited? = error else {
                Issue.record("expected rateLimited, got \(String(describing: error))")
                return
            }
        }
    }

    @Test func aTokenOwnsOnlyItsOwnMerchant() async throws {
        try await SandboxHarness.run { harness async throws in
            #expect(try await harness.gateway.ownsMerchant(harness.shop))
            _ = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            #expect(try await harness.gateway.ownsMerchant(harness.shop))

            let other = await harness.sandbox.state.addMerchant()
            let claimed = ShopCredentials(merchantID: harness.shop.merchantID, token: Secret(other.token), baseURL: harness.baseURL)
            #expect(try await harness.gateway.ownsMerchant(claimed) == false)
            var unknownToken = harness.shop
            unknownToken.token = Secret("0123456789abcdef0123456789abcdef")
            #expect(try await harness.gateway.ownsMerchant(unknownToken) == false)
        }
    }

    @Test func oneTenantCannotSpendThePartnerQuotaOfTheOthers() async throws {
        var client = Self.smallQuota
        client.requestsPerWindow = 3
        try await SandboxHarness.run(client: client) { harness async throws in
            let greedy = TenantID(UUID())
            let patient = TenantID(UUID())
            _ = try await harness.gateway.invite(email: "a@hotel.example", partner: harness.partner, tenant: greedy)
            _ = try await harness.gateway.invite(email: "b@hotel.example", partner: harness.partner, tenant: greedy)
            let error = await #expect(throws: PaymentError.self) {
                try await harness.gateway.invite(email: "c@hotel.example", partner: harness.partner, tenant: greedy)
            }
            guard case .rateLimited(let seconds, _)? = error else {
                Issue.record("expected rateLimited, got \(String(describing: error))")
                return
            }
            #expect((seconds ?? 0) > 0)
            // The partner account itself still has room, and another tenant gets it.
            #expect(try await !harness.gateway.invite(email: "d@hotel.example", partner: harness.partner, tenant: patient).isEmpty)
        }
    }
}
