import AsyncHTTPClient
import FolioTestSupport
import Foundation
import HTTPServing
import HTTPTypes
import Hummingbird
import InvoiceboxSandbox
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization
import Testing

/// Raw HTTP against a running sandbox, the way any client of Invoicebox would talk to it.
struct SandboxClient: Sendable {
    let baseURL: URL

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: Data

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        }

        var errorCode: String? {
            (json["error"] as? [String: Any])?["code"] as? String
        }
    }

    func send(_ method: HTTPMethod, _ path: String, token: String? = nil, json: Any? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL.absoluteString + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 22)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: body))
    }

    static func order(merchantID: String, merchantOrderID: String, notificationURL: String? = nil) -> [String: Any] {
        var order: [String: Any] = [
            "merchantId": merchantID, "merchantOrderId": merchantOrderID, "description": "Stay",
            "amount": 120.0, "vatAmount": 20.0, "currencyId": "RUB",
            "expirationDate": ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600)),
            "customer": ["type": "private", "name": "Ирина"],
            "basketItems": [
                [
                    "sku": "S", "name": "Room", "measure": "шт.", "measureCode": "796", "quantity": 1,
                    "amount": 120.0, "amountWoVat": 100.0, "totalAmount": 120.0, "totalVatAmount": 20.0,
                    "vatCode": "RUS_VAT20", "type": "service", "paymentType": "full_prepayment",
                ]
            ],
        ]
        if let notificationURL { order["notificationUrl"] = notificationURL }
        return order
    }
}

/// A shop's notification endpoint: records what arrives and answers from a script.
final class NotificationReceiver: Sendable {
    struct Received: Sendable {
        let body: Data
        let signature: String?
    }

    private let received = Mutex<[Received]>([])
    private let answers: Mutex<[String]>

    /// - Parameter answers: the JSON bodies to answer with, in order; the last one repeats.
    init(answers: [String]) {
        self.answers = Mutex(answers)
    }

    var deliveries: [Received] { received.withLock { $0 } }

    func run<Result: Sendable>(_ body: @Sendable (URL) async throws -> Result) async throws -> Result {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            self.received.withLock { $0.append(Received(body: Data(buffer: bytes), signature: request.headers[HTTPField.Name("X-Signature")!])) }
            let answer = self.answers.withLock { answers in answers.count > 1 ? answers.removeFirst() : answers[0] }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        return try await serveOnFreePort(router, logger: Logger(label: "folio.test.receiver")) { url in
            try await body(url.appendingPathComponent("hook"))
        }
    }

    /// Waits until `count` deliveries arrived; fails the test if they do not.
    func waitFor(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await eventually("fewer than \(count) deliveries arrived", sourceLocation: sourceLocation) {
            deliveries.count >= count
        }
    }
}
