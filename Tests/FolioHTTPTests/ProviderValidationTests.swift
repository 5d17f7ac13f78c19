import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import InvoiceboxSandbox

/// A provider's refusal of fields reaches the host as a 422 that points into its own request.
@Suite struct ProviderValidationTests {
    @Test func aRefusedLinePointsAtItsUnitPriceAndFailsTheInvoice() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("fields")
            // The sandbox answers as Invoicebox does when a line's total does not add up.
            await api.sandbox.state.inject(
                SandboxFault(
                    kind: .status, method: "POST", pathContains: "/order/order", remaining: 1, status: 422,
                    code: "wrong_basket_item_total_amount", field: "basketItems[1].totalAmount"))
            let first = try await api.createInvoice(tenant, idempotencyKey: "fields-1")
            #expect(first.status == .unprocessableContent)
            #expect(first.problemCode == "provider_validation_failed")
            let problem = try first.json()
            #expect(problem["providerCode"] as? String == "wrong_basket_item_total_amount")
            let errors = try #require(problem["errors"] as? [[String: Any]])
            #expect(errors.count == 1)
            #expect(errors.first?["pointer"] as? String == "/items/1/unitPrice")
            #expect(errors.first?["providerField"] as? String == "basketItems[1].totalAmount")
            #expect(errors.first?["code"] as? String == "wrong_value")
            // Nothing is left half-created: the invoice is failed, the provider holds no order.
            let listed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            let invoice = try #require((listed["items"] as? [[String: Any]])?.first)
            #expect(invoice["status"] as? String == "failed")
            #expect(invoice["failureCode"] as? String == "wrong_basket_item_total_amount")
            #expect(await api.providerOrderCount(merchantID: merchantID) == 0)
            // The same key answers the same refusal, pointer included.
            let again = try await api.createInvoice(tenant, idempotencyKey: "fields-1")
            #expect(again.status == .unprocessableContent)
            let replayed = try #require(try again.json()["errors"] as? [[String: Any]])
            #expect(replayed.first?["pointer"] as? String == "/items/1/unitPrice")
            #expect(replayed.first?["providerField"] as? String == "basketItems[1].totalAmount")
            #expect(try await api.invoiceCount(tenant) == 1)
        }
    }

    @Test func aFieldFolioDidNotSendIsNamedOnlyByTheProvider() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("unmapped")
            await api.sandbox.state.inject(
                SandboxFault(
                    kind: .status, method: "POST", pathContains: "/order/order", remaining: 1, status: 422,
                    code: "validation_error", field: "shopId"))
            let response = try await api.createInvoice(tenant)
            #expect(response.status == .unprocessableContent)
            #expect(response.problemCode == "provider_validation_failed")
            let errors = try #require(try response.json()["errors"] as? [[String: Any]])
            #expect(errors.first?["pointer"] == nil)
            #expect(errors.first?["providerField"] as? String == "shopId")
        }
    }

    @Test func aRefusalNamingNoFieldStaysAProviderRejection() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("no-field")
            await api.sandbox.state.inject(
                SandboxFault(kind: .status, method: "POST", pathContains: "/order/order", remaining: 1, status: 422, code: "wrong_order_status"))
            let response = try await api.createInvoice(tenant)
            #expect(response.status == .badGateway)
            #expect(response.problemCode == "provider_rejected")
            #expect(try response.json()["providerCode"] as? String == "wrong_order_status")
        }
    }
}
