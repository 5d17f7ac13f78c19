import Foundation
import HTTPTypes
import Hummingbird

/// Refuses, before any handler runs, a request whose `Accept` rules out every type the API
/// answers. The generated code would check it only after the handler had run, so a write would
/// be committed and then answered with an error.
struct AcceptMiddleware: RouterMiddleware {
    typealias Context = FolioRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let accept = request.headers[.accept] {
            guard Self.accepts(accept, anyOf: Self.produced(at: request.uri.path)) else { throw APIProblem.notAcceptable }
        }
        return try await next(request, context)
    }

    /// What the route at `path` answers with; an image route's errors are problems all the same.
    static func produced(at path: String) -> [String] {
        let segments = path.split(separator: "/")
        if segments == ["metrics"] { return ["text/plain"] }
        switch segments.last {
        case "qr.svg": return ["image/svg+xml", "application/problem+json"]
        case "qr.png": return ["image/png", "application/problem+json"]
        default: return ["application/json", "application/problem+json"]
        }
    }

    static func accepts(_ header: String, anyOf produced: [String]) -> Bool {
        let ranges = header.split(separator: ",").compactMap { part -> (String, Bool)? in
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let range = fields.first, !range.isEmpty else { return nil }
            let refused = fields.dropFirst().contains {
                $0.replacingOccurrences(of: " ", with: "") == "q=0" || $0.hasPrefix("q=0.0") && Double($0.dropFirst(2)) == 0
            }
            return (range, !refused)
        }
        if ranges.isEmpty { return true }
        return ranges.contains { range, allowed in
            guard allowed else { return false }
            if range == "*/*" { return true }
            return produced.contains { type in
                range == type || (range.hasSuffix("/*") && type.hasPrefix(String(range.dropLast(1))))
            }
        }
    }
}
