import Foundation
import HTTPServing
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import Synchronization

/// A small HTTP server on a free loopback port: the platform's webhook endpoint, or a provider
/// stand-in for an answer the simulator does not give.
final class LocalServer: Sendable {
    private let bodies = Mutex<[Data]>([])
    private let answers: Mutex<[(status: HTTPResponse.Status, headers: HTTPFields, body: String)]>

    /// `answers` are given in order, one per request; after them every request gets 200 `{}`.
    init(answers: [(status: HTTPResponse.Status, headers: HTTPFields, body: String)] = []) {
        self.answers = Mutex(answers)
    }

    /// The bodies received, in order.
    var received: [Data] { bodies.withLock { $0 } }

    func run<Result: Sendable>(_ body: @Sendable (URL) async throws -> Result) async throws -> Result {
        let router = Router()
        router.on("/**", method: .post) { request, _ -> Response in try await self.answer(request) }
        router.on("/**", method: .get) { request, _ -> Response in try await self.answer(request) }
        var logger = Logger(label: "folio.test.local-server")
        logger.logLevel = .warning
        return try await serveOnFreePort(router, logger: logger, body)
    }

    private func answer(_ request: Request) async throws -> Response {
        var request = request
        let bytes = try await request.collectBody(upTo: 1 << 20)
        bodies.withLock { $0.append(Data(buffer: bytes)) }
        let next = answers.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        var headers = next?.headers ?? [:]
        headers[.contentType] = "application/json"
        return Response(status: next?.status ?? .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: next?.body ?? "{}")))
    }
}
