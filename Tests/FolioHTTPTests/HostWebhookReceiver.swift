import Crypto
import Foundation
import HTTPServing
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat

/// A host platform's webhook endpoint for tests: answers as told, and records what it accepted.
actor HostInbox {
    enum Behaviour: Sendable {
        case accept
        case fail(Int)
        /// Answers 200, but only after the dispatcher has given up waiting.
        case slow(Duration)
    }

    struct Delivery: Sendable {
        let id: String
        let type: String?
        let tenantID: String?
        let sequence: Int64
        /// The invoice, or `tenant` for the tenant's own events.
        let orderingKey: String
        let signatureValid: Bool
    }

    /// What the next requests get, in turn; then `otherwise`.
    private var plan: [Behaviour]
    private let otherwise: Behaviour
    /// Deliveries answered 2xx, in the order they arrived.
    private(set) var accepted: [Delivery] = []
    private(set) var requests = 0
    let secret: String

    init(secret: String, plan: [Behaviour] = [], otherwise: Behaviour = .accept) {
        self.secret = secret
        self.plan = plan
        self.otherwise = otherwise
    }

    func next() -> Behaviour {
        requests += 1
        return plan.isEmpty ? otherwise : plan.removeFirst()
    }

    func record(_ delivery: Delivery) {
        accepted.append(delivery)
    }

    /// The Standard Webhooks check, written independently of Folio's signer.
    nonisolated func verify(id: String, timestamp: String, signature: String, body: Data) -> Bool {
        guard let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count))) else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).".utf8) + body, using: SymmetricKey(data: key))
        return signature.split(separator: " ").contains { $0 == "v1," + Data(mac).base64EncodedString() }
    }
}

enum HostWebhookReceiver {
    /// Serves `inbox` on 127.0.0.1:`port` (0: a port the system picks) while `body` runs with the
    /// port it is bound to.
    static func serve<Result: Sendable>(
        _ inbox: HostInbox, port: Int = 0, _ body: @Sendable (_ port: Int) async throws -> Result
    ) async throws -> Result {
        let router = Router()
        router.post("/hooks") { request, _ -> Response in
            let behaviour = await inbox.next()
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let data = Data(buffer: bytes)
            switch behaviour {
            case .fail(let status):
                return Response(status: HTTPResponse.Status(code: status))
            case .slow(let delay):
                try await Task.sleep(for: delay)
            case .accept:
                break
            }
            let headers = request.headers
            let id = headers[HTTPField.Name("webhook-id")!] ?? ""
            let valid = inbox.verify(
                id: id, timestamp: headers[HTTPField.Name("webhook-timestamp")!] ?? "",
                signature: headers[HTTPField.Name("webhook-signature")!] ?? "", body: data
            )
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            await inbox.record(
                HostInbox.Delivery(
                    id: id, type: object["type"] as? String, tenantID: object["tenantId"] as? String,
                    sequence: (object["sequence"] as? NSNumber)?.int64Value ?? -1,
                    orderingKey: object["invoiceId"] as? String ?? "tenant", signatureValid: valid
                ))
            return Response(status: .noContent)
        }
        var logger = Logger(label: "host")
        logger.logLevel = .warning
        let listening = ListeningPort()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
            onServerRunning: listening.report,
            logger: logger
        )
        return try await listening.serve(app) { url in try await body(url.port ?? port) }
    }
}
