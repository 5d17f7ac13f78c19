import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// Answers every request itself: resolves the account from the `Host` header or the path,
/// records the request (tokens masked), applies injected faults, then hands it to the state.
struct FakturowniaResponder: RouterMiddleware {
    typealias Context = BasicRequestContext

    let state: FakturowniaState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let body = Data(buffer: try await request.collectBody(upTo: 1 << 22))
        let segments = request.uri.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        let query = Self.decode(request.uri.query ?? "")
        if segments.first == "__sandbox" {
            return Self.response(await state.control(method: request.method.rawValue, path: Array(segments.dropFirst()), query: query, body: body))
        }
        let authority = request.head.authority ?? "127.0.0.1"
        let hostName = authority.split(separator: ":").first.map(String.init) ?? authority
        let labels = hostName.split(separator: ".")
        let isAddress = hostName.allSatisfy { $0.isNumber || $0 == "." } || hostName.hasPrefix("[")
        let byHost = !isAddress && labels.count >= 3
        let prefix: String
        let path: [String]
        let urlBefore: String
        let urlAfter: String
        if byHost {
            prefix = String(labels[0])
            path = segments
            urlBefore = "http://"
            urlAfter = String(authority.dropFirst(labels[0].count))
        } else {
            prefix = segments.first ?? ""
            path = Array(segments.dropFirst())
            urlBefore = "http://\(authority)/"
            urlAfter = ""
        }
        let joinedPath = "/" + path.joined(separator: "/")
        await state.record(
            FakturowniaRequestRecord(
                method: request.method.rawValue, prefix: prefix.isEmpty ? nil : prefix, path: joinedPath,
                redactedQuery: redactTokens(inQuery: request.uri.query ?? ""), authorizationHeader: request.headers[.authorization] != nil))
        let fault = await state.takeFault(method: request.method.rawValue, path: joinedPath)
        switch fault?.kind {
        case .status?:
            return Self.response(.json(["code": "error", "message": "Injected failure"], status: fault?.status ?? 500))
        case .malformedBody?:
            return Self.html("<html><body>Maintenance</body></html>", status: .ok)
        case .delay?:
            try? await Task.sleep(for: .milliseconds(fault?.milliseconds ?? 0))
        case .dropResponse?, nil:
            break
        }
        let call = FakturowniaCall(
            method: request.method.rawValue, prefix: prefix, path: path, query: query, body: body, urlBefore: urlBefore, urlAfter: urlAfter)
        let reply = await state.handle(call)
        if fault?.kind == .dropResponse {
            // The work is done; the answer is lost on the way, as behind a failing proxy.
            return Self.html("<html><body>502 Bad Gateway</body></html>", status: .badGateway)
        }
        return Self.response(reply)
    }

    static func response(_ reply: FakturowniaReply) -> Response {
        Response(
            status: HTTPResponse.Status(code: reply.status), headers: [.contentType: reply.contentType],
            body: .init(byteBuffer: ByteBuffer(data: reply.body)))
    }

    private static func html(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Form decoding: `+` reads as a space; the last of repeated names wins.
    static func decode(_ query: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func clean(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            values[clean(parts[0])] = parts.count > 1 ? clean(parts[1]) : ""
        }
        return values
    }
}
