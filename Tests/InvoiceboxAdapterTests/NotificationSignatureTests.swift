import FolioDomain
import Foundation
import InvoiceboxAdapter
import PaymentsPort
import Testing

/// The test vectors of invoicebox-api.md §14.7, and the notification body of §14.3.
@Suite struct NotificationSignatureTests {
    /// The composed notification of §14.3: 245 bytes, ASCII, no trailing newline.
    static let body = Data(
        #"{"id":"0190f1a2-3b4c-7d5e-8f60-718293a4b5c6","status":"completed","merchantId":"ffffffff-ffff-ffff-ffff-ffffffffffff","merchantOrderId":"PMS-2024-000123","amount":13740,"vatAmount":2250,"currencyId":"RUB","createdAt":"2024-08-01T09:15:00+00:00"}"#
            .utf8
    )

    @Test(arguments: [
        ("sandbox-secret-key", "e28c0fa01c6d6f5e62f57e11c357b872873e664a"),
        ("098f6bcd4621d373cade4e832627b4f6", "313f4287e30c285338e8be479c32950ee5fb13f9"),
        ("test", "95175d9ed3684a960c0101633439b5bd61196db2"),
    ])
    func theDocumentedHMACSHA1Vectors(key: String, expected: String) {
        #expect(Self.body.count == 245)
        #expect(NotificationSignature.sign(Self.body, key: Secret(key)) == expected)
        #expect(NotificationSignature.isValid(expected, body: Self.body, key: Secret(key)))
        #expect(NotificationSignature.isValid(expected.uppercased(), body: Self.body, key: Secret(key)))
    }

    @Test func theDocumentedHMACSHA256VectorAndTheAlgorithmOfTheKey() {
        let key = Secret("sandbox-secret-key")
        let sha256 = "be39ac255c6ac2da32930803b7f06d55e6d40befeeb9eac7077acedb156818c2"
        #expect(NotificationSignature.sign(Self.body, key: key, algorithm: .sha256) == sha256)
        #expect(NotificationSignature.isValid(sha256, body: Self.body, key: key, algorithm: .sha256))
        #expect(NotificationSignature.isValid(sha256.uppercased(), body: Self.body, key: key, algorithm: .sha256))
        // Each signature verifies only under the algorithm it was made with.
        let sha1 = "e28c0fa01c6d6f5e62f57e11c357b872873e664a"
        #expect(!NotificationSignature.isValid(sha1, body: Self.body, key: key, algorithm: .sha256))
        #expect(!NotificationSignature.isValid(sha256, body: Self.body, key: key))
        let sha512 = NotificationSignature.sign(Self.body, key: key, algorithm: .sha512)
        #expect(sha512.count == 128 && sha512 == sha512.lowercased())
        #expect(NotificationSignature.isValid(sha512, body: Self.body, key: key, algorithm: .sha512))
        #expect(!NotificationSignature.isValid(String(sha512.prefix(64)), body: Self.body, key: key, algorithm: .sha512))
        #expect(!NotificationSignature.isValid(sha512, body: Self.body, key: Secret("other"), algorithm: .sha512))
    }

    @Test func theSignatureCoversTheExactBytes() {
        let key = Secret("sandbox-secret-key")
        let variants: [(String, String)] = [
            (
                #"{"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","status":"completed","merchantId":"ffffffff-ffff-ffff-ffff-ffffffffffff","merchantOrderId":"","description":"Бронь","paymentUrl":"https:\/\/pay.example\/o\/1"}"#,
                "b51a7ae40c12baaea21b505fdb30a8ae9f0ae082"
            ),
            (
                #"{"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","status":"completed","merchantId":"ffffffff-ffff-ffff-ffff-ffffffffffff","merchantOrderId":"","description":"Бронь","paymentUrl":"https://pay.example/o/1"}"#,
                "00088211cb61d3e0f09d8bb068b695eafddfe933"
            ),
            (
                #"{"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","status":"completed","merchantId":"ffffffff-ffff-ffff-ffff-ffffffffffff","merchantOrderId":"","description":"\u0411\u0440\u043e\u043d\u044c","paymentUrl":"https:\/\/pay.example\/o\/1"}"#,
                "2e91d2b6565485fb865126e3c3ea947fd077d662"
            ),
        ]
        #expect(Data(variants[0].0.utf8).count == 209)
        for (index, (body, expected)) in variants.enumerated() {
            #expect(NotificationSignature.sign(Data(body.utf8), key: key) == expected)
            // Each variant is the same JSON value, yet only its own signature matches it.
            for (other, (_, otherSignature)) in variants.enumerated() where other != index {
                #expect(!NotificationSignature.isValid(otherSignature, body: Data(body.utf8), key: key))
            }
        }
    }

    @Test func malformedHeadersNeverMatch() {
        let key = Secret("test")
        for header in [
            nil, "", "95175d9ed3684a960c0101633439b5bd61196db", "95175d9ed3684a960c0101633439b5bd61196db2 ", "sha1=95175d9ed3684a960c0101633439b5bd61196db2",
        ] {
            #expect(!NotificationSignature.isValid(header, body: Self.body, key: key))
        }
    }

    @Test func theNotificationIsReadLeniently() throws {
        let notification = try #require(OrderNotification(body: Self.body))
        #expect(notification.orderID == "0190f1a2-3b4c-7d5e-8f60-718293a4b5c6")
        #expect(notification.status == .completed)
        #expect(notification.merchantOrderID == "PMS-2024-000123")
        #expect(notification.amount == MinorUnits(1_374_000))
        #expect(notification.currency == "RUB")
        #expect(!notification.isMonitoringTest)

        let test = try #require(
            OrderNotification(
                body: Data(
                    #"{"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","status":"completed","merchantId":"m","merchantOrderId":""}"#.utf8
                )))
        #expect(test.isMonitoringTest)
        #expect(test.amount == nil)

        for malformed in [
            "", "[]", #"{"id":"a"}"#, #"{"id":"a","status":"completed","merchantId":"m","amount":"many"}"#,
            #"{"id":"a","status":"completed","merchantId":"m","amount":1.005}"#,
        ] {
            #expect(OrderNotification(body: Data(malformed.utf8)) == nil, "\(malformed)")
        }
    }
}
