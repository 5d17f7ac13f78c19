import FolioDomain
import FolioTestSupport
import Foundation
import InvoiceboxSandbox
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

/// The adapter against the sandbox, operation by operation.
@Suite struct GatewayTests {
    @Test func checksTokens() async throws {
        try await SandboxHarness.run { harness async throws in
            #expect(try await harness.gateway.checkToken(of: harness.shop))
            var wrong = harness.shop
            wrong.token = Secret("0123456789abcdef0123456789abcdef")
            #expect(try await harness.gateway.checkToken(of: wrong) == false)
        }
    }

    @Test func invitesAndActivatesAShop() async throws {
        try await SandboxHarness.run { harness async throws in
            let inviteID = try await harness.gateway.invite(email: "gm@hotel.example", partner: harness.partner, tenant: TenantID(UUID()))
            #expect(!inviteID.isEmpty)
            let code = try #require(try await harness.admin("GET", "/__sandbox/invites/gm@hotel.example")["activationCode"] as? String)
            let shop = try await harness.gateway.activate(code: code, partner: harness.partner, tenant: TenantID(UUID()))
            #expect(UUID(uuidString: shop.merchantID) != nil)
            let activated = ShopCredentials(merchantID: shop.merchantID, token: shop.token, baseURL: harness.baseURL)
            #expect(try await harness.gateway.checkToken(of: activated))

            await #expect(throws: PaymentError.self) {
                try await harness.gateway.activate(code: "000000000", partner: harness.partner, tenant: TenantID(UUID()))
            }
            var wrongPartner = harness.partner
            wrongPartner.token = Secret("not-the-partner")
            let error = await #expect(throws: PaymentError.self) {
                try await harness.gateway.invite(email: "x@hotel.example", partner: wrongPartner, tenant: TenantID(UUID()))
            }
            #expect(error?.providerCode == "unauthorized")
        }
    }

    @Test func createsReadsFindsUpdatesAndCancelsAnOrder() async throws {
        try await SandboxHarness.run { harness async throws in
            let draft = harness.draft("INV-1")
            let created = try await harness.gateway.createOrder(draft, shop: harness.shop)
            #expect(created.status == .created)
            #expect(created.merchantOrderID == "INV-1")
            #expect(created.amount == (try draft.priced).amount)
            #expect(created.paymentURL?.contains(created.orderContainerID ?? "?") == true)

            #expect(try await harness.gateway.order(id: created.id, shop: harness.shop)?.id == created.id)
            #expect(try await harness.gateway.order(merchantOrderID: "INV-1", shop: harness.shop)?.id == created.id)
            #expect(try await harness.gateway.order(merchantOrderID: "INV-404", shop: harness.shop) == nil)

            let updated = try await harness.gateway.updateOrder(id: created.id, description: "Stay, changed", expiresAt: nil, shop: harness.shop)
            #expect(updated.id == created.id)

            let canceled = try await harness.gateway.cancelOrder(id: created.id, shop: harness.shop)
            #expect(canceled.status == .canceled)
            let again = await #expect(throws: PaymentError.self) {
                try await harness.gateway.cancelOrder(id: created.id, shop: harness.shop)
            }
            #expect(again?.providerCode == "wrong_order_status")
        }
    }

    @Test func listsWithFiltersSortingAndPaging() async throws {
        try await SandboxHarness.run { harness async throws in
            var ids: [String] = []
            for index in 0..<5 {
                ids.append(try await harness.gateway.createOrder(harness.draft("L-\(index)"), shop: harness.shop).id)
            }
            try await harness.admin("POST", "/__sandbox/orders/\(ids[1])/pay")
            try await harness.admin("POST", "/__sandbox/orders/\(ids[3])/pay")
            let paid = try await harness.gateway.listOrders(OrderQuery(statuses: [.completed]), shop: harness.shop)
            #expect(Set(paid.items.map(\.id)) == [ids[1], ids[3]])
            #expect(paid.totalCount == 2)

            let page = try await harness.gateway.listOrders(OrderQuery(newestFirst: false, page: 2, pageSize: 2), shop: harness.shop)
            #expect(page.totalCount == 5)
            #expect(page.pageSize == 2)
            #expect(page.items.count == 2)

            let recent = try await harness.gateway.listOrders(OrderQuery(createdFrom: Date().addingTimeInterval(-60)), shop: harness.shop)
            #expect(recent.totalCount == 5)
            let future = try await harness.gateway.listOrders(OrderQuery(createdFrom: Date().addingTimeInterval(3600)), shop: harness.shop)
            #expect(future.totalCount == 0)
        }
    }

    @Test func refundsAPaidOrderNeverBeyondWhatWasPaid() async throws {
        try await SandboxHarness.run { harness async throws in
            let draft = harness.draft("R-1")
            let order = try await harness.gateway.createOrder(draft, shop: harness.shop)
            let unpaid = await #expect(throws: PaymentError.self) {
                try await harness.gateway.createRefund(
                    RefundDraft(parentOrderID: order.id, merchantOrderID: "R-1-1", description: "early", lines: [draft.lines[1]]),
                    shop: harness.shop
                )
            }
            #expect(unpaid?.providerCode == "wrong_order_status")

            try await harness.admin("POST", "/__sandbox/orders/\(order.id)/pay")
            let before = try await harness.gateway.refundableItems(orderID: order.id, shop: harness.shop)
            #expect(before.map(\.availableAmount).reduce(.zero, +) == (try draft.priced).amount)

            let refund = try await harness.gateway.createRefund(
                RefundDraft(parentOrderID: order.id, merchantOrderID: "R-1-1", description: "breakfast not served", lines: [draft.lines[1]]),
                shop: harness.shop
            )
            #expect(refund.amount == MinorUnits(75_000))
            #expect(refund.parentID == order.id)
            let after = try await harness.gateway.refundableItems(orderID: order.id, shop: harness.shop)
            #expect(after.first { $0.sku == "BRKF" }?.availableAmount == .zero)

            // The same refund id again adopts the first refund instead of refunding twice.
            let repeated = try await harness.gateway.createRefund(
                RefundDraft(parentOrderID: order.id, merchantOrderID: "R-1-1", description: "breakfast not served", lines: [draft.lines[1]]),
                shop: harness.shop
            )
            #expect(repeated.id == refund.id)
            #expect(try await harness.gateway.listRefunds(parentOrderID: order.id, shop: harness.shop).count == 1)

            let tooMuch = await #expect(throws: PaymentError.self) {
                try await harness.gateway.createRefund(
                    RefundDraft(parentOrderID: order.id, merchantOrderID: "R-1-2", description: "again", lines: [draft.lines[1]]),
                    shop: harness.shop
                )
            }
            #expect(tooMuch?.providerCode == "wrong_total_amount")
        }
    }

    @Test func anotherShopsOrderIsForbidden() async throws {
        try await SandboxHarness.run { harness async throws in
            let order = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            let other = await harness.sandbox.state.addMerchant()
            let otherShop = ShopCredentials(merchantID: other.id, token: Secret(other.token), baseURL: harness.baseURL)
            let error = await #expect(throws: PaymentError.self) {
                try await harness.gateway.order(id: order.id, shop: otherShop)
            }
            #expect(error?.providerCode == "forbidden")
        }
    }

    @Test func randomBasketsAreAcceptedByTheSandbox() async throws {
        try await SandboxHarness.run { harness async throws in
            for seed in UInt64(1)...40 {
                var generator = SplitMix64(state: seed)
                var draft = harness.draft("P-\(seed)")
                draft.lines = BasketArithmeticTests.randomBasket(&generator).map { OrderLine(basket: $0) }
                let order = try await harness.gateway.createOrder(draft, shop: harness.shop)
                #expect(order.amount == (try draft.priced).amount, "seed \(seed)")
            }
        }
    }
}
