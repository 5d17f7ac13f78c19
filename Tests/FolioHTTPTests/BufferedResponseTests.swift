import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FolioHTTP

/// A handler's body written in pieces reaches the client whole, as one buffer.
@Suite struct BufferedResponseTests {
    @Test func aBodyWrittenInPiecesArrivesWholeWithItsLength() async throws {
        let router = Router()
        router.add(middleware: BufferedResponseMiddleware())
        router.get("pieces") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(contentLength: 13) { writer in
                    try await writer.write(ByteBuffer(string: "{\"a\":"))
                    try await writer.write(ByteBuffer(string: "[1,2,3]"))
                    try await writer.write(ByteBuffer(string: "}"))
                    try await writer.finish(nil)
                })
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/pieces", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "{\"a\":[1,2,3]}")
                #expect(response.headers[.contentLength] == "13")
            }
        }
    }

    @Test func aFailingBodyIsAnErrorNotAHalfAnswer() async throws {
        struct Broken: Error {}
        let router = Router()
        router.add(middleware: BufferedResponseMiddleware())
        router.get("broken") { _, _ in
            Response(
                status: .ok,
                body: ResponseBody(contentLength: 10) { writer in
                    try await writer.write(ByteBuffer(string: "{\"a\":"))
                    throw Broken()
                })
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/broken", method: .get) { response in
                #expect(response.status == .internalServerError)
            }
        }
    }

    @Test func aBodyThatNeverFinishesIsAnErrorNotAnEmptyAnswer() async throws {
        let router = Router()
        router.add(middleware: BufferedResponseMiddleware())
        router.get("unfinished") { _, _ in
            Response(status: .ok, body: ResponseBody(contentLength: 5) { writer in try await writer.write(ByteBuffer(string: "{\"a\"")) })
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/unfinished", method: .get) { response in
                #expect(response.status == .internalServerError)
            }
        }
    }

    @Test func madeUpMethodsShareOneMetricLabel() {
        #expect(MetricsByRoute.label(of: .get) == "GET")
        #expect(MetricsByRoute.label(of: HTTPRequest.Method("BREW")!) == "_OTHER")
        #expect(MetricsByRoute.label(of: HTTPRequest.Method("SPAM")!) == "_OTHER")
    }
}
