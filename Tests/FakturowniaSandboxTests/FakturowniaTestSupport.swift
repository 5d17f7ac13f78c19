import AsyncHTTPClient
import FakturowniaSandbox
import Foundation
import HTTPServing
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization
import Testing

/// Raw HTTP against a running simulator, the way any Fakturownia client talks to it.
struct FakturowniaClient: Sendable {
    let origin: URL

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: Data

        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: body) as? [[String: Any]]) ?? [] }
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The field map of a 422 `{"code":"error","message":{…}}`.
        var fieldErrors: [String: [String]] { object["message"] as? [String: [String]] ?? [:] }
    }

    /// `path` starts after the origin, e.g. `/acme/invoices.json`; `query` is appended encoded.
    func send(
        _ method: HTTPMethod, _ path: String, query: [String: String] = [:], json: Any? = nil, headers: [(String, String)] = []
    ) async throws -> Reply {
        var components = URLComponents(string: origin.absoluteString + path)!
        if !query.isEmpty { components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        var request = HTTPClientRequest(url: components.url!.absoluteString)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 22)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: body))
    }
}

/// An account made through the partner flow, with the client that talks to it.
struct TestAccount: Sendable {
    let prefix: String
    let token: String
    let client: FakturowniaClient

    func get(_ path: String, _ query: [String: String] = [:]) async throws -> FakturowniaClient.Reply {
        try await client.send(.GET, "/\(prefix)\(path)", query: query.merging(["api_token": token]) { first, _ in first })
    }

    func write(_ method: HTTPMethod, _ path: String, _ body: [String: Any] = [:]) async throws -> FakturowniaClient.Reply {
        try await client.send(method, "/\(prefix)\(path)", json: body.merging(["api_token": token]) { first, _ in first })
    }

    func delete(_ path: String) async throws -> FakturowniaClient.Reply {
        try await client.send(.DELETE, "/\(prefix)\(path)", query: ["api_token": token])
    }

    func createInvoice(_ invoice: [String: Any] = [:]) async throws -> FakturowniaClient.Reply {
        var fields = Self.invoice
        for (name, value) in invoice { fields[name] = value }
        return try await write(.POST, "/invoices.json", ["invoice": fields])
    }

    /// The canonical example: name, tax, total_price_gross and quantity.
    static var invoice: [String: Any] {
        [
            "kind": "vat", "number": NSNull(), "buyer_name": "Jan Kowalski", "buyer_email": "jan@guest.example", "currency": "PLN",
            "positions": [["name": "Nocleg", "tax": 8, "total_price_gross": 216.0, "quantity": 2]],
        ]
    }
}

enum Fixture {
    static let logger = Logger(label: "folio.test.fakturownia")

    static func withSandbox(
        _ configuration: FakturowniaConfiguration = .init(), logger: Logger = Fixture.logger,
        _ body: @Sendable (FakturowniaSandbox, FakturowniaClient) async throws -> Void
    ) async throws {
        let sandbox = FakturowniaSandbox(configuration: configuration, logger: logger)
        try await sandbox.withRunningServer { url in
            try await body(sandbox, FakturowniaClient(origin: url))
        }
    }

    /// Opens an account through the partner's `POST /account.json`.
    static func openAccount(_ prefix: String, client: FakturowniaClient) async throws -> TestAccount {
        let partner = FakturowniaConfiguration()
        let reply = try await client.send(
            .POST, "/\(partner.partnerPrefix)/account.json",
            json: [
                "api_token": partner.partnerAPIToken, "integration_token": partner.integrationToken,
                "account": ["prefix": prefix, "lang": "pl"], "user": ["login": prefix, "email": "\(prefix)@hotel.example", "password": "secret-1"],
            ])
        #expect(reply.status == 200)
        let token = try #require(reply.object["api_token"] as? String)
        let granted = try #require(reply.object["prefix"] as? String)
        return TestAccount(prefix: granted, token: token, client: client)
    }

    /// Polls until `condition` holds, for at most five seconds.
    static func eventually(_ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
        for _ in 0..<100 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out: \(what)")
    }
}

/// A platform's webhook endpoint: records what arrives and answers 200.
final class WebhookReceiver: Sendable {
    private let received = Mutex<[Data]>([])

    var payloads: [[String: Any]] {
        received.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    func run(_ body: @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/hook/:tenant") { request, _ -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            self.received.withLock { $0.append(Data(buffer: bytes)) }
            return Response(status: .ok)
        }
        try await serveOnFreePort(router, logger: Logger(label: "folio.test.receiver")) { url in
            try await body(url.appendingPathComponent("hook").absoluteString)
        }
    }
}

/// Keeps every log line, to show that no token is ever written.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    var logger: Logger {
        var logger = Logger(label: "folio.test.fakturownia.captured") { _ in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            log.lines.withLock { $0.append("\(event.level) \(event.message) \(all)") }
        }
    }
}
