import Foundation
import NIOCore
import NIOHTTP1
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter
@testable import InvoiceboxSandbox

/// The provider's field errors, read in the documented shape and the ones the reference is unsure
/// of, and traced back to the part of the order draft they were built from.
@Suite struct ProviderFieldErrorTests {
    static func decode(_ json: String) -> InvoiceboxError {
        InvoiceboxTransport.decodeError(status: 422, requestID: "r", body: ByteBuffer(string: json))
    }

    static func fields(_ error: InvoiceboxError) -> [InvoiceboxError.FieldError] {
        guard case .rejected(_, _, _, let fields, _) = error else { return [] }
        return fields
    }

    @Test func fieldsAsTheDocumentedArray() {
        let error = Self.decode(
            #"{"error":{"message":"Calculation Error","code":"wrong_basket_item_total_amount","fields":[{"name":"basketItems[1].totalAmount","code":"wrong_value","message":"does not add up"}]}}"#
        )
        #expect(Self.fields(error) == [.init(name: "basketItems[1].totalAmount", code: "wrong_value", message: "does not add up")])
        #expect(error.providerCode == "wrong_basket_item_total_amount")
    }

    @Test func fieldsAsAnObjectKeyedByName() {
        let error = Self.decode(
            #"{"error":{"code":"validation_error","fields":{"customer.email":"is not an e-mail","amount":["too big","really"],"currencyId":{"code":"wrong_value","message":""}}}}"#
        )
        #expect(
            Self.fields(error) == [
                .init(name: "amount", code: nil, message: "too big"),
                .init(name: "currencyId", code: "wrong_value", message: ""),
                .init(name: "customer.email", code: nil, message: "is not an e-mail"),
            ])
    }

    @Test func missingOrUnreadableFieldsAreNone() {
        #expect(Self.fields(Self.decode(#"{"error":{"code":"wrong_currency","message":"x"}}"#)).isEmpty)
        #expect(Self.fields(Self.decode(#"{"error":{"code":"wrong_currency","fields":null}}"#)).isEmpty)
        #expect(Self.fields(Self.decode(#"{"error":{"code":"wrong_currency","fields":"currencyId"}}"#)).isEmpty)
        #expect(
            Self.fields(Self.decode(#"{"code":"wrong_currency","fields":["currencyId",{"code":"x"}]}"#)) == [.init(name: "currencyId", code: nil, message: nil)]
        )
    }

    @Test(arguments: [
        ("basketItems[2].totalAmount", PaymentError.DraftField.line(index: 2, .unitPrice)),
        ("basketItems.0.amountWoVat", .line(index: 0, .unitPrice)),
        ("basketItems/1/quantity", .line(index: 1, .quantity)),
        ("basketItems[0].type", .line(index: 0, .itemType)),
        ("basketItems[0].vatCode", .line(index: 0, .vatCode)),
        ("customer.email", .customer(.email)),
        ("customer.type", .customer(.kind)),
        ("vatAmount", .totals),
        ("currencyId", .currency),
        ("expirationDate", .expiry),
    ])
    func orderFieldsNameTheDraft(_ name: String, _ expected: PaymentError.DraftField) {
        #expect(InvoiceboxError.draftField(ofOrderField: name) == expected)
    }

    @Test func unknownOrderFieldsNameNothing() {
        for name in ["merchantOrderId", "basketItems[x].amount", "basketItems[0].colour", "basketItems", "metaData.subReservation[0]"] {
            #expect(InvoiceboxError.draftField(ofOrderField: name) == nil, "\(name)")
        }
    }

    @Test func onlyACreateOrderRefusalNamesTheDraft() {
        let error = InvoiceboxError.rejected(
            status: 422, code: "wrong_basket_item_total_amount", message: nil,
            fields: [.init(name: "basketItems[0].totalAmount", code: "wrong_value", message: "")], requestID: "r")
        guard case .rejected(let order, _) = error.paymentError(orderFields: true), case .rejected(let other, _) = error.paymentError else {
            Issue.record("not a refusal")
            return
        }
        #expect(order.map(\.source) == [.line(index: 0, .unitPrice)])
        #expect(other.map(\.source) == [nil])
        #expect(error.paymentError.isFieldRefusal)
        let unnamed = InvoiceboxError.rejected(status: 422, code: "wrong_order_status", message: nil, fields: [], requestID: nil)
        #expect(!unnamed.paymentError.isFieldRefusal)
    }

    /// The sandbox refuses a line whose total does not add up, in either shape of `fields`; the
    /// adapter reads the same refusal from both.
    @Test(arguments: [false, true])
    func theSandboxRefusalReadsTheSameInBothShapes(fieldsAsObject: Bool) async throws {
        var configuration = SandboxConfiguration.fast
        configuration.fieldErrorsAsObject = fieldsAsObject
        try await SandboxHarness.run(sandbox: configuration) { harness async throws in
            let body = ProviderErrorCodeTests.body(merchantID: harness.shop.merchantID) { order in
                ProviderErrorCodeTests.withLine(&order) { $0["totalAmount"] = 130.0 }
            }
            let error = await #expect(throws: InvoiceboxError.self) {
                try await harness.gateway.transport.send(
                    .init(method: .POST, path: "/billing/api/order/order", body: body, kind: .write, operation: "create order"),
                    baseURL: harness.baseURL, prefix: "v3", token: harness.shop.token, accountKey: "test"
                )
            }
            let refused = try #require(error)
            #expect(Self.fields(refused) == [.init(name: "basketItems[0].totalAmount", code: "wrong_value", message: "")])
            #expect(
                refused.paymentError(orderFields: true)
                    == .rejected(
                        fields: [.init(name: "basketItems[0].totalAmount", code: "wrong_value", message: "", source: .line(index: 0, .unitPrice))],
                        ProviderDiagnostics(cause: "rejected", code: "wrong_basket_item_total_amount", httpStatus: 422, requestID: refused.requestID)))
        }
    }

    /// Through the gateway: a refused order names the draft's line, and nothing is adopted.
    @Test func theGatewayNamesTheDraftLineOfARefusedOrder() async throws {
        var configuration = SandboxConfiguration.fast
        configuration.fieldErrorsAsObject = true
        try await SandboxHarness.run(sandbox: configuration) { harness async throws in
            await harness.sandbox.state.inject(
                SandboxFault(
                    kind: .status, method: "POST", pathContains: "/order/order", remaining: 1, status: 422,
                    code: "wrong_basket_item_amount_wo_vat", field: "basketItems[1].amountWoVat"))
            let error = await #expect(throws: PaymentError.self) {
                _ = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            }
            guard case .rejected(let fields, let diagnostics)? = error else {
                Issue.record("not a refusal: \(String(describing: error))")
                return
            }
            #expect(fields.map(\.source) == [.line(index: 1, .unitPrice)])
            #expect(diagnostics.code == "wrong_basket_item_amount_wo_vat")
            #expect(await harness.sandbox.state.orderIDs(merchantID: harness.shop.merchantID).isEmpty)
        }
    }
}
