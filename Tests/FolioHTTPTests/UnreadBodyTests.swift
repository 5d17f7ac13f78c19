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

    /// Puts the unreadable body in place of the request's, unannounced.
    struct UnreadableBodyMiddleware: RouterMiddleware {
        func handle(_ request: Request, context: FolioRequestContext, next: (Request, FolioRequestContext) async throws -> Response) async throws -> Response {
            var head = request.head
            head.headerFields[.contentLength] = nil
            return try await next(Request(head: head, body: RequestBody(asyncSequence: UnreadableBody())), context)
        }
    }

    @Test func aReadIsAnsweredWithoutItsBodyAndAWriteReadsIt() async throws {
        let router = Router(context: FolioRequestContext.self)
        router.add(middleware: UnreadableBodyMiddleware())
        router.add(middleware: RequestBodyLimitMiddleware())
        router.get("invoices") { _, _ in "read" }
        router.delete("invoices") { _, _ in "deleted" }
        router.post("invoices") { _, _ in "written" }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/invoices", method: .get, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "read")
            }
            try await client.execute(uri: "/invoices", method: .delete, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .ok)
            }
            // The router test client answers a thrown error 500: the body was read.
            try await client.execute(uri: "/invoices", method: .post, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .internalServerError)
            }
        }
    }
}
