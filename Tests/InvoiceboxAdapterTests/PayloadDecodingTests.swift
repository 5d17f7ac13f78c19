import FolioDomain
import Foundation
import NIOCore
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

/// The payload shapes of invoicebox-api.md, decoded as they come.
@Suite struct PayloadDecodingTests {
    func object(_ json: String, status: Int = 200) throws -> WireObject {
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
        return WireObject(members: parsed["data"] as? [String: Any] ?? parsed, status: status, requestID: "req-1")
    }

    @Test func theDocumentedCreateResponse() throws {
        let order = try ProviderOrder(
            object(
                #"""
                {"data":{"id":"0190f1a2-3b4c-7d5e-8f60-718293a4b5c6","orderContainerId":"0190f1a2-3a11-7e22-9c33-44d5e6f7a8b9",
                "merchantId":"ffffffff-ffff-ffff-ffff-ffffffffffff","merchantOrderId":"PMS-2024-000123","description":"x",
                "status":"created","subtype":"order","processingStatus":"","processable":true,"amount":13740,"vatAmount":2250,
                "currencyId":"RUB","languageId":"ru","createdAt":"2024-08-01T09:15:00+00:00","expirationDate":"2024-08-10T20:59:59+00:00",
                "paymentUrl":"https://pay.invoicebox.ru/order/0190f1a2-3a11-7e22-9c33-44d5e6f7a8b9","fileIds":[],"shopId":333,
                "basketItems":[],"customer":{"type":"private"},"someFutureField":{"nested":true}},"extendedData":[]}
                """#))
        #expect(order.id == "0190f1a2-3b4c-7d5e-8f60-718293a4b5c6")
        #expect(order.status == .created)
        #expect(order.amount == MinorUnits(1_374_000))
        #expect(order.vatAmount == MinorUnits(225_000))
        #expect(order.paymentURL?.hasSuffix("/order/0190f1a2-3a11-7e22-9c33-44d5e6f7a8b9") == true)
        #expect(order.createdAt == Date(timeIntervalSince1970: 1_722_503_700))
    }

    @Test func theVariationsTheReferenceLists() throws {
        // Fractional amounts without trailing zeros, `Z` and offsets, fileIds as an object,
        // an unknown status, and a paid order.
        let order = try ProviderOrder(
            object(
                #"""
                {"id":"a","merchantOrderId":"m","status":"hold","amount":1239.6,"currencyId":"RUB",
                 "createdAt":"2024-08-01T12:15:00+03:00","paidAt":"2024-08-01T09:20:00Z","fileIds":{}}
                """#))
        #expect(order.amount == MinorUnits(123_960))
        #expect(order.status == ProviderOrderStatus(rawValue: "hold"))
        #expect(order.createdAt == Date(timeIntervalSince1970: 1_722_503_700))
        #expect(order.paidAt == Date(timeIntervalSince1970: 1_722_504_000))
    }

    @Test func idsAsNumbersAreRead() throws {
        #expect(try object(#"{"data":{"id":123}}"#).string("id") == "123")
        #expect(try object(#"{"data":{"id":"3f6a9b1e-7c2d-4e8f-a0b1-c2d3e4f5a6b7"}}"#).string("id") == "3f6a9b1e-7c2d-4e8f-a0b1-c2d3e4f5a6b7")
    }

    @Test func amountsWithMoreThanTwoDecimalsAreRefused() throws {
        let order = try object(
            #"{"id":"a","merchantOrderId":"m","status":"created","amount":10.005,"currencyId":"RUB","createdAt":"2024-08-01T09:15:00+00:00"}"#)
        #expect(throws: InvoiceboxError.malformedResponse(reason: "amount is not an amount with at most two fraction digits", status: 200, requestID: "req-1"))
        {
            try ProviderOrder(order)
        }
    }

    @Test func missingRequiredFieldsAreTypedErrors() throws {
        #expect(throws: InvoiceboxError.self) {
            try ProviderOrder(object(#"{"id":"a","status":"created"}"#))
        }
    }

    @Test func errorsNestedOrAtTheTopLevel() {
        let nested = InvoiceboxTransport.decodeError(
            status: 422, requestID: "r",
            body: ByteBuffer(
                string:
                    #"{"error":{"message":"Calculation Error","code":"wrong_total_vat_amount","fields":[{"name":"vatAmount","code":"wrong_value","message":""}]}}"#
            )
        )
        #expect(
            nested
                == .rejected(
                    status: 422, code: "wrong_total_vat_amount", message: "Calculation Error",
                    fields: [.init(name: "vatAmount", code: "wrong_value", message: "")], requestID: "r"))
        let flat = InvoiceboxTransport.decodeError(status: 403, requestID: nil, body: ByteBuffer(string: #"{"code":"forbidden","message":"Forbidden"}"#))
        #expect(flat.providerCode == "forbidden")
        let html = InvoiceboxTransport.decodeError(status: 500, requestID: nil, body: ByteBuffer(string: "<html>oops</html>"))
        #expect(html == .rejected(status: 500, code: nil, message: nil, fields: [], requestID: nil))
    }

    @Test func refundableItemsCarryWhatIsLeft() throws {
        let item = try RefundableItem(
            object(#"{"sku":"BRKF","name":"Завтрак","vatCode":"RUS_VAT20","totalAmount":1500,"availableAmount":750.5,"availableVatAmount":125.08}"#))
        #expect(item.availableAmount == MinorUnits(75_050))
        #expect(item.availableVATAmount == MinorUnits(12_508))
    }

    @Test func queryValuesAreFullyPercentEncoded() {
        let url = InvoiceboxTransport.url(
            baseURL: URL(string: "https://api.invoicebox.ru/")!, prefix: "v3", path: "/filter/api/order/order",
            query: [("createdAt[_ge]", "2024-08-01T00:00:00+03:00"), ("status[]", "created")]
        )
        #expect(url == "https://api.invoicebox.ru/v3/filter/api/order/order?createdAt%5B_ge%5D=2024-08-01T00%3A00%3A00%2B03%3A00&status%5B%5D=created")
    }
}

@Suite struct WireDateTests {
    @Test(arguments: [
        ("2024-08-12T14:00:00+03:00", 1_723_460_400.0),
        ("2024-08-12T11:00:00Z", 1_723_460_400.0),
        ("2024-08-12T11:00:00+00:00", 1_723_460_400.0),
        ("2024-08-12T05:30:00-05:30", 1_723_460_400.0),
        ("2024-02-29T00:00:00.250Z", 1_709_164_800.25),
        ("1969-12-31T23:59:59+00:00", -1.0),
    ])
    func readsTheOffsetsAndFractionsThePayloadsUse(text: String, seconds: Double) {
        #expect(WireDate.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: [
        "", "2024-08-12", "2024-08-12T14:00", "2024-13-01T00:00:00Z", "2024-08-12T14:00:00+0300", "2024-08-12 14:00:00Z", "2024-08-12T14:00:00+03:00x",
    ])
    func refusesWhatIsNotATimestamp(text: String) {
        #expect(WireDate.parse(text) == nil)
    }

    @Test func writesUTCWithAnExplicitOffsetAndReadsItBack() {
        for seconds in stride(from: -86_400.0 * 800, to: 86_400.0 * 40_000, by: 86_400.0 * 97 + 3_671) {
            let date = Date(timeIntervalSince1970: seconds)
            let text = WireDate.format(date)
            #expect(text.hasSuffix("+00:00"))
            #expect(WireDate.parse(text) == date, "\(text)")
        }
        #expect(WireDate.format(Date(timeIntervalSince1970: 1_723_460_400)) == "2024-08-12T11:00:00+00:00")
    }
}
