import HTTPTypes
import Hummingbird
import NIOCore

/// Hands the server a generated handler's answer as one buffer.
///
/// The OpenAPI transport answers with a body written through an async writer, a chunk and then
/// its end, each a separate hop and flush; the document is already whole in memory by then. One
/// buffer goes out with the head in a single write, as a plain Hummingbird route's does.
struct BufferedResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Larger answers (none of the API's today) keep streaming.
    let limit = 4 * 1024 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard let length = response.body.contentLength, length <= limit else { return response }
        var collector = CollectingWriter(buffer: ByteBuffer())
        collector.buffer.reserveCapacity(length)
        let body = response.body
        let collected = try await collector.collect(body)
        response.body = ResponseBody(byteBuffer: collected)
        return response
    }
}

struct UnfinishedBody: Error {}

/// A `ResponseBodyWriter` that keeps what it is given.
private struct CollectingWriter: ResponseBodyWriter {
    var buffer: ByteBuffer
    private let box = Box()

    init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        box.buffer = buffer
    }

    /// The body's bytes, once it has finished writing.
    consuming func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let box = self.box
        try await body.write(self)
        // A body that never said it was finished is not known to be whole.
        guard let buffer = box.buffer else { throw UnfinishedBody() }
        return buffer
    }

    /// `finish` consumes the writer, so what it wrote is handed back through a reference.
    private final class Box: @unchecked Sendable {
        var buffer: ByteBuffer?
    }
}
