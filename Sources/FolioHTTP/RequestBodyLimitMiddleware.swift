import HTTPTypes
import Hummingbird
import NIOCore

/// Refuses bodies over the limit with 413 before any handler reads them, whether the client
/// announced the size or streams more than it may.
///
/// It also reads a POST or PUT that carries no body and no `Content-Type` as the empty JSON
/// object: the generated code would otherwise refuse a bodiless request even where the body is
/// optional, and `curl -X POST` without `-d` is how people call such an operation.
struct RequestBodyLimitMiddleware: RouterMiddleware {
    typealias Context = FolioRequestContext

    /// 1 MiB: far above any legitimate request of this API.
    static let defaultLimit = 1 << 20

    let limit: Int
    /// The methods of the operations that take a body. No other operation reads one, so another
    /// request's body is left for the server to drain, not collected: collecting an empty body
    /// still waits for its end.
    static let methodsWithBodies: Set<HTTPRequest.Method> = [.post, .put, .patch]

    init(limit: Int = Self.defaultLimit) {
        self.limit = limit
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let announced = request.headers[.contentLength].flatMap(Int.init), announced > limit {
            throw APIProblem.payloadTooLarge(limit: limit)
        }
        guard Self.methodsWithBodies.contains(request.method) else { return try await next(request, context) }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIProblem.payloadTooLarge(limit: limit)
        }
        if body.readableBytes == 0, request.headers[.contentType] == nil, [.post, .put].contains(request.method) {
            var head = request.head
            head.headerFields[.contentType] = "application/json"
            request = Request(head: head, body: .init(buffer: ByteBuffer(string: "{}")))
        }
        return try await next(request, context)
    }
}
