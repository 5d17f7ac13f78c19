import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FolioHTTP

/// Only the operations that take a body have it read: any other request is answered without
/// waiting for a body it does not use.
@Suite struct UnreadBodyTests {
    struct BodyWasRead: Error {}

    /// A body of unknown length that fails if anything reads it.
    struct UnreadableBody: AsyncSequence, Sendable {
        struct AsyncIterator: AsyncIteratorProtocol {
            mutating func next() async throws -> ByteBuffer? { throw BodyWasRead() }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
    }

    /// Puts the unreadable body in place of the request's, unannounced unless the test sets
    /// `X-Announce` to the length to announce.
    struct UnreadableBodyMiddleware: RouterMiddleware {
        func handle(_ request: Request, context: FolioRequestContext, next: (Request, FolioRequestContext) async throws -> Response) async throws -> Response {
            var head = request.head
            head.headerFields[.contentLength] = head.headerFields[Self.announce]
            return try await next(Request(head: head, body: RequestBody(asyncSequence: UnreadableBody())), context)
        }

        static let announce = HTTPField.Name("X-Announce")!
    }

    func withRouter(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = Router(context: FolioRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: UnreadableBodyMiddleware())
        router.add(middleware: RequestBodyLimitMiddleware())
        for method in [HTTPRequest.Method.get, .delete, .post, .put, .patch] {
            router.on("invoices", method: method) { _, _ in method.rawValue }
        }
        try await Application(router: router).test(.router, test)
    }

    @Test(arguments: [HTTPRequest.Method.get, .delete])
    func aRequestOfAnOperationWithoutABodyIsAnsweredWithoutReadingIt(method: HTTPRequest.Method) async throws {
        try await withRouter { client in
            try await client.execute(uri: "/invoices", method: method, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == method.rawValue)
            }
        }
    }

    @Test(arguments: [HTTPRequest.Method.post, .put, .patch])
    func aBodyThatCannotBeReadIsTheClientsError(method: HTTPRequest.Method) async throws {
        try await withRouter { client in
            try await client.execute(uri: "/invoices", method: method, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#""code":"invalid_body""#))
            }
        }
    }

    @Test func aLengthAnnouncedOverTheLimitIsRefusedEvenWhereNoBodyIsRead() async throws {
        try await withRouter { client in
            let headers: HTTPFields = [UnreadableBodyMiddleware.announce: String((1 << 20) + 1)]
            try await client.execute(uri: "/invoices", method: .get, headers: headers, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .contentTooLarge)
                #expect(String(buffer: response.body).contains(#""code":"payload_too_large""#))
            }
        }
    }
}
