import HTTPTypes
import Hummingbird
import NIOCore

/// Refuses bodies over the limit with 413 before any handler reads them, whether the client
/// announced the size or streams more than it may. Only the operations that take a body read
/// it; any other request's body is left unread, and the server discards it (an announced size
/// over the limit is refused all the same). A `Connection: close` request answered before its
/// body has arrived may see the connection reset.
///
/// It also reads a POST or PUT that carries no body and no `Content-Type` as the empty JSON
/// object: the generated code would otherwise refuse a bodiless request even where the body is
/// optional, and `curl -X POST` without `-d` is how people call such an operation.
struct RequestBodyLimitMiddleware: RouterMiddleware {
    typealias Context = FolioRequestContext

    /// 1 MiB: far above any legitimate request of this API.
    static let defaultLimit = 1 << 20

    let limit: Int
    /// The methods of the operations that take a body. Collecting even an empty body waits for
    /// its end.
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
        } catch {
            // A body the server could not parse (a malformed chunk) is the client's error.
            throw APIProblem.invalidBody("The request body could not be read.")
        }
        if body.readableBytes == 0, request.headers[.contentType] == nil, [.post, .put].contains(request.method) {
            var head = request.head
            head.headerFields[.contentType] = "application/json"
            request = Request(head: head, body: .init(buffer: ByteBuffer(string: "{}")))
        }
        return try await next(request, context)
    }
}
