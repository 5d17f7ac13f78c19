import AsyncHTTPClient
import FolioDomain
import Foundation
import JSONWire
import Logging
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

/// What leaves the adapter is neutral: Invoicebox's codes and defaults stay inside it.
@Suite struct PaymentPortEdgeTests {
    @Test func invoiceboxFailuresBecomeNeutralErrorsKeepingWhatSupportNeeds() {
        let duplicate = InvoiceboxError.rejected(status: 422, code: "merchant_order_id_duplicate", message: "dup", fields: [], requestID: "r1").paymentError
        #expect(duplicate == .duplicateOrderID(ProviderDiagnostics(cause: "rejected", code: "merchant_order_id_duplicate", httpStatus: 422, requestID: "r1")))

        let refused = InvoiceboxError.rejected(
            status: 422, code: "wrong_total_amount", message: "Guest Irina Sokolova", fields: [.init(name: "amount", code: "wrong_value", message: "x")],
            requestID: "r2"
        ).paymentError
        #expect(
            refused
                == .rejected(
                    fields: [.init(name: "amount", code: "wrong_value", message: "x")],
                    ProviderDiagnostics(cause: "rejected", code: "wrong_total_amount", httpStatus: 422, requestID: "r2")))
        #expect(!"\(refused)".contains("Irina"))

        #expect(
            InvoiceboxError.rejected(status: 403, code: "forbidden", message: nil, fields: [], requestID: nil).paymentError
                == .unauthorized(ProviderDiagnostics(cause: "rejected", code: "forbidden", httpStatus: 403)))
        #expect(
            InvoiceboxError.rejected(status: 404, code: "not_found", message: nil, fields: [], requestID: nil).paymentError
                == .notFound(ProviderDiagnostics(cause: "rejected", code: "not_found", httpStatus: 404)))
        #expect(
            InvoiceboxError.rateLimited(retryAfterSeconds: 3, requestID: "r3").paymentError
                == .rateLimited(retryAfterSeconds: 3, ProviderDiagnostics(cause: "rate_limited", httpStatus: 429, requestID: "r3")))
        #expect(
            InvoiceboxError.circuitOpen(retryAfterSeconds: 30).paymentError
                == .unavailable(retryAfterSeconds: 30, ProviderDiagnostics(cause: "circuit_open")))
        #expect(
            InvoiceboxError.timedOut(operation: "create order").paymentError
                == .outcomeUnknown(ProviderDiagnostics(cause: "timed_out", operation: "create order")))
        #expect(InvoiceboxError.invalidBasket("empty").paymentError == .invalidRequest(reason: "empty"))
        // Every refusal is one, whatever neutral case it became.
        #expect(duplicate.isRefusal)
        #expect(refused.isRefusal)
        #expect(!InvoiceboxError.transport(reason: "refused").paymentError.isRefusal)
    }

    @Test func attributesTheHostLeftOutGetInvoiceboxsRoomNightDefaults() throws {
        let line = OrderLine(basket: BasketLineRequest(sku: "ROOM", name: "Room", quantity: 1, unitPrice: MinorUnits(10_000), vatCode: .none))
        #expect([line.measure, line.measureCode, line.itemType, line.paymentType] == [nil, nil, nil, nil])
        let priced = try Basket.price(line.basket)
        let item = String(decoding: OrderWireFormat.basketItem(priced, attributes: line).serialized(), as: UTF8.self)
        #expect(item.contains(#""measure":"шт.","measureCode":"796""#))
        #expect(item.contains(#""type":"service""#))
        #expect(item.contains(#""paymentType":"full_prepayment""#))

        let given = OrderLine(basket: line.basket, measure: "сут.", measureCode: "359", itemType: "4", paymentType: "advance")
        let custom = String(decoding: OrderWireFormat.basketItem(priced, attributes: given).serialized(), as: UTF8.self)
        #expect(custom.contains(#""measure":"сут.","measureCode":"359""#))
        #expect(custom.contains(#""type":4"#))
        #expect(custom.contains(#""paymentType":"advance""#))
    }

    @Test func notificationsAreReadAndVerifiedThroughThePort() {
        let provider: any PaymentProvider = InvoiceboxGateway(http: .shared, logger: .init(label: "test"))
        let body = NotificationSignatureTests.body
        let key = NotificationKey(secret: Secret("test"))
        let claim = provider.notification(from: body)
        #expect(claim?.status == .completed)
        #expect(claim?.amount == MinorUnits(1_374_000))
        #expect(claim?.merchantOrderID == "PMS-2024-000123")
        #expect(claim?.isMonitoringTest == false)
        #expect(provider.notification(from: Data("[]".utf8)) == nil)
        #expect(provider.verifySignature(of: body, headers: [(name: "X-Signature", value: "95175d9ed3684a960c0101633439b5bd61196db2")], key: key) == .valid)
        #expect(provider.verifySignature(of: body, headers: [(name: "x-signature", value: String(repeating: "0", count: 40))], key: key) == .invalid)
        #expect(provider.verifySignature(of: body, headers: [(name: "Content-Type", value: "application/json")], key: key) == .missing)
        // The algorithm travels with the key: the same HMAC-SHA1 header fails a key chosen for SHA-256.
        let sha256Key = NotificationKey(secret: Secret("test"), algorithm: .sha256)
        let sha1Header = [(name: "X-Signature", value: "95175d9ed3684a960c0101633439b5bd61196db2")]
        #expect(provider.verifySignature(of: body, headers: sha1Header, key: sha256Key) == .invalid)
        let sha256Header = [(name: "X-Signature", value: NotificationSignature.sign(body, key: Secret("test"), algorithm: .sha256))]
        #expect(provider.verifySignature(of: body, headers: sha256Header, key: sha256Key) == .valid)
    }

    @Test func anUnknownProviderStatusIsKeptAsSpelledNotGuessed() {
        #expect(ProviderOrderStatus(rawValue: "completed") == .completed)
        #expect(ProviderOrderStatus(rawValue: "refunded_partially") == .unrecognized("refunded_partially"))
        #expect(ProviderOrderStatus(rawValue: "refunded_partially").rawValue == "refunded_partially")
        #expect(ProviderRefundStatus(invoicebox: "cancelled") == .canceled)
        #expect(ProviderRefundStatus(invoicebox: "draft") == .created)
        #expect(ProviderRefundStatus(invoicebox: "weird") == .unrecognized("weird"))
    }
}
