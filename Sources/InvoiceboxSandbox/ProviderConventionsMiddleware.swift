import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What every provider answer shares: an `X-Request-Id`, the rate limit (429 with `Retry-After`),
/// injected faults, and errors in the provider's shape.
struct ProviderConventionsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    let state: SandboxState
    let configuration: SandboxConfiguration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = await answer(request, context: context, next: next)
        response.headers[HTTPField.Name("X-Request-Id")!] = UUID().uuidString.lowercased()
        return response
    }

    private func answer(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async -> Response {
        let path = request.uri.path
        let isProviderPath = path.hasPrefix("/v3/") || path.hasPrefix("/l3/")
        let record = SandboxRequestRecord(method: request.method.rawValue, path: path, rawQuery: request.uri.query ?? "")
        if isProviderPath { await state.recordRequest(record) }
        if isProviderPath, let token = InvoiceboxSandbox.bearer(request),
            let wait = await state.admit("token:\(token)", limit: configuration.requestsPerToken)
        {
            var response = errorResponse(SandboxError(status: 429, code: "too_many_requests", message: "Too Many Requests"))
            response.headers[.retryAfter] = String(wait)
            return response
        }
        let fault = isProviderPath ? await state.takeFault(method: request.method.rawValue, path: path) : nil
        switch fault?.kind {
        case .latency?:
            try? await Task.sleep(for: .milliseconds(fault?.milliseconds ?? 0))
        case .status?:
            var response = errorResponse(
                SandboxError(
                    status: fault?.status ?? 500, code: fault?.code ?? "internal_error", message: "Injected failure",
                    fields: fault?.field.map { [$0] } ?? []))
            if let retryAfter = fault?.retryAfterSeconds { response.headers[.retryAfter] = String(retryAfter) }
            return response
        case .malformedBody?:
            return Response(
                status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "<html><body>502 Bad Gateway</body></html>")))
        case .emptyData?:
            return InvoiceboxSandbox.json(SandboxJSON.serialize(["data": NSNull()]))
        case .dropResponse?, .hang?, nil:
            break
        }
        let response: Response
        do {
            if isProviderPath, let refused = record.query.first(where: { configuration.pagingSpelling.refusedNames.contains($0.name) }) {
                throw SandboxError.invalid("validation_error", field: refused.name, message: "Unknown parameter \(refused.name)")
            }
            response = try await next(request, context)
        } catch let error as SandboxError {
            response = errorResponse(error)
        } catch let error as HTTPError {
            response = errorResponse(
                SandboxError(
                    status: Int(error.status.code), code: error.status == .notFound ? "not_found" : "validation_error", message: error.status.reasonPhrase))
        } catch {
            response = errorResponse(SandboxError(status: 500, code: "internal_error", message: "Internal Server Error"))
        }
        switch fault?.kind {
        case .dropResponse?:
            // The work is done; the answer is lost on the way, as behind a failing proxy.
            return Response(
                status: .badGateway, headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<html><body>502 Bad Gateway</body></html>")))
        case .hang?:
            try? await Task.sleep(for: .milliseconds(fault?.milliseconds ?? 0))
            return response
        default:
            return response
        }
    }

    private func errorResponse(_ error: SandboxError) -> Response {
        InvoiceboxSandbox.json(SandboxJSON.error(error, fieldsAsObject: configuration.fieldErrorsAsObject), status: HTTPResponse.Status(code: error.status))
    }
}
