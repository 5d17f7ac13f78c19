import AsyncHTTPClient
import FolioDomain
import Foundation
import JSONWire
import Logging
import Metrics
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// How the gateway behaves on the wire. The provider documents no limits (fakturownia-api.md
/// §10), so the defaults follow the reference's recommendation and the Go CLI's practice.
package struct FakturowniaGatewayConfiguration: Sendable {
    package var userAgent = "Folio/\(FolioVersion.current) (FakturowniaAdapter 1.0)"
    /// The time one exchange may take before its answer counts as lost.
    package var requestTimeout: Duration = .seconds(20)
    /// Attempts a read makes on 429, 5xx or no answer; writes are made once.
    package var readAttempts = 3
    /// The wait before retry n is `backoffBase × 2^(n−1)`, unless the provider sent `Retry-After`.
    package var backoffBase: Duration = .milliseconds(200)
    /// A `Retry-After` longer than this gives up at once.
    package var maximumRetryAfter: Duration = .seconds(30)
    /// Requests in flight per account (base URL and token).
    package var maximumInFlightPerAccount = 2
    package var responseSizeLimit = 4 << 20
    /// Where the waits between retries happen; tests pass one that records them and returns.
    package var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    /// Shared by every gateway of the process unless a test gives one its own.
    package var inFlight = InFlightLimiter.shared
    /// Where the gateway's metrics go; nil for the process's `MetricsSystem`.
    package var metricsFactory: (any MetricsFactory)?

    package init() {}
}

/// One Fakturownia account as the gateway reaches it: its base URL
/// (`https://{prefix}.fakturownia.pl`) and its API token.
package struct FakturowniaAccountAccess: Sendable, CustomStringConvertible {
    package let baseURL: URL
    package let apiToken: Secret

    package init(baseURL: URL, apiToken: Secret) {
        self.baseURL = baseURL
        self.apiToken = apiToken
    }

    package var description: String { "Fakturownia account at \(baseURL.absoluteString)" }
}

/// One HTTP exchange with Fakturownia: the token placed where the reference puts it (query for
/// GET and DELETE, body for writes; never a header), the per-account in-flight cap, retries of
/// reads, the size cap and the error shapes of §11.
struct FakturowniaTransport: Sendable {
    struct Request: Sendable {
        var method: HTTPMethod
        /// The path after the account's base URL, e.g. `/invoices.json`.
        var path: String
        var query: [(String, String)] = []
        var body: FakturowniaBody?
        /// Names the operation in logs, metrics and errors, e.g. `create invoice`.
        var operation: String

        var isRead: Bool { method == .GET }
    }

    struct Reply {
        var status: Int
        var json: Any

        var object: FakturowniaObject? {
            (json as? [String: Any]).map { FakturowniaObject(members: $0, status: status) }
        }

        var objects: [FakturowniaObject]? {
            (json as? [Any]).map { $0.compactMap { $0 as? [String: Any] }.map { FakturowniaObject(members: $0, status: status) } }
        }
    }

    let http: HTTPClient
    let configuration: FakturowniaGatewayConfiguration
    let logger: Logger

    func send(_ request: Request, to account: FakturowniaAccountAccess) async throws(FakturowniaGatewayError) -> Reply {
        let attempts = request.isRead ? max(1, configuration.readAttempts) : 1
        let key = InFlightLimiter.key(baseURL: account.baseURL, token: account.apiToken.revealed)
        var lastError = FakturowniaGatewayError.noAnswer(operation: request.operation, reason: "not sent")
        for attempt in 1...attempts {
            do {
                try await configuration.inFlight.acquire(key, limit: configuration.maximumInFlightPerAccount)
            } catch {
                // Cancelled while waiting for a slot: nothing was sent.
                throw .noAnswer(operation: request.operation, reason: "cancelled before it was sent")
            }
            let outcome = await exchange(request, account: account)
            await configuration.inFlight.release(key)
            count(request, outcome: outcome)

            let retryDelay: Duration
            switch outcome {
            case .answered(let status, let headers, let body):
                switch status {
                case 429:
                    let retryAfter = FakturowniaGatewayRetry.delay(headers)
                    lastError = .rateLimited(retryAfterSeconds: retryAfter.map { Int($0.components.seconds) })
                    guard request.isRead else { throw lastError }
                    if let retryAfter, retryAfter > configuration.maximumRetryAfter { throw lastError }
                    retryDelay = retryAfter ?? backoff(attempt: attempt)
                case 500...599:
                    lastError = .unavailable(status: status)
                    guard request.isRead else { throw lastError }
                    retryDelay = FakturowniaGatewayRetry.delay(headers) ?? backoff(attempt: attempt)
                default:
                    return try decode(status: status, headers: headers, body: body, token: account.apiToken)
                }
            case .noAnswer(let reason):
                lastError = .noAnswer(operation: request.operation, reason: reason)
                guard request.isRead else { throw lastError }
                retryDelay = backoff(attempt: attempt)
            case .tooLarge:
                throw .responseTooLarge(limit: configuration.responseSizeLimit)
            }
            guard attempt < attempts else { break }
            logger.debug(
                "retrying Fakturownia read",
                metadata: ["operation": "\(request.operation)", "attempt": "\(attempt)", "delay_ms": "\(retryDelay.wholeMilliseconds)"])
            do {
                try await configuration.sleep(retryDelay)
            } catch {
                throw lastError
            }
        }
        throw lastError
    }

    private enum Outcome {
        case answered(status: Int, headers: HTTPHeaders, body: ByteBuffer)
        case noAnswer(reason: String)
        case tooLarge
    }

    private func exchange(_ request: Request, account: FakturowniaAccountAccess) async -> Outcome {
        var query = request.query
        if request.body == nil { query.append(("api_token", account.apiToken.revealed)) }
        var outgoing = HTTPClientRequest(url: Self.url(baseURL: account.baseURL, path: request.path, query: query))
        outgoing.method = request.method
        outgoing.headers.add(name: "Accept", value: "application/json")
        outgoing.headers.add(name: "User-Agent", value: configuration.userAgent)
        if let body = request.body {
            outgoing.headers.add(name: "Content-Type", value: "application/json")
            outgoing.body = .bytes(ByteBuffer(data: body.withToken(account.apiToken).serialized()))
        }
        let started = ContinuousClock.now
        do {
            let response = try await http.execute(outgoing, timeout: TimeAmount(configuration.requestTimeout))
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > configuration.responseSizeLimit {
                return .tooLarge
            }
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: configuration.responseSizeLimit)
            } catch is NIOTooManyBytesError {
                return .tooLarge
            }
            logger.info(
                "fakturownia call",
                metadata: [
                    "operation": "\(request.operation)", "method": "\(request.method.rawValue)", "status": "\(response.status.code)",
                    "duration_ms": "\((ContinuousClock.now - started).wholeMilliseconds)",
                ])
            return .answered(status: Int(response.status.code), headers: response.headers, body: body)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .noAnswer(reason: "timed out")
        } catch let error as HTTPClientError where error == .connectTimeout {
            return .noAnswer(reason: "connect timeout")
        } catch is HTTPClientError {
            // The client's own description may carry the URL, and with it a token: it is not kept.
            return .noAnswer(reason: "connection failed")
        } catch {
            return .noAnswer(reason: "\(error)".contains("refused") ? "connection refused" : "connection failed")
        }
    }

    /// Decodes an answer other than 429 and 5xx: a JSON success (checked for the 200-with-error
    /// shape) or one of the error shapes of §11.
    private func decode(status: Int, headers: HTTPHeaders, body: ByteBuffer, token: Secret) throws(FakturowniaGatewayError) -> Reply {
        let data = Data(buffer: body)
        let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        let object = json as? [String: Any]
        let message = object.flatMap { Self.message($0["message"] ?? $0["error"] ?? $0["errors"], token: token) }
        switch status {
        case 200..<300:
            let contentType = headers.first(name: "Content-Type")?.lowercased() ?? ""
            guard let json, contentType.contains("json") else {
                throw .malformedResponse(reason: "content type \(contentType.isEmpty ? "missing" : contentType), not JSON", status: status)
            }
            // Checked even on 200 (§11); an invoice's own `status` is never "error".
            if let object, (object["status"] as? String) == "error" || ((object["code"] as? String) == "error" && object["id"] == nil) {
                throw .actionRefused(message: message)
            }
            return Reply(status: status, json: json)
        case 401:
            throw .unauthorized(message: message)
        case 404:
            throw .notFound(message: message)
        case 422:
            if let fields = object?["message"] as? [String: Any] {
                throw .validationFailed(
                    fields: fields.keys.sorted().map { name in
                        let texts: [String] =
                            switch fields[name] {
                            case let list as [Any]: list.compactMap { $0 as? String }
                            case let text as String: [text]
                            default: []
                            }
                        return .init(name: name, messages: texts.map { Self.redact($0, token: token) })
                    })
            }
            throw .refused(status: status, message: message)
        default:
            throw .refused(status: status, message: message)
        }
    }

    /// The provider's `message` (or `error`) as text, with any token cut out.
    private static func message(_ value: Any?, token: Secret) -> String? {
        switch value {
        case let text as String: redact(text, token: token)
        case let list as [Any]: redact(list.compactMap { $0 as? String }.joined(separator: "; "), token: token)
        case let map as [String: Any]:
            redact(
                map.keys.sorted().map { "\($0): \((map[$0] as? [Any])?.compactMap { $0 as? String }.joined(separator: "; ") ?? "")" }.joined(separator: ", "),
                token: token)
        default: nil
        }
    }

    static func redact(_ text: String, token: Secret) -> String {
        token.revealed.isEmpty ? text : text.replacingOccurrences(of: token.revealed, with: Secret.redactionMarker)
    }

    private func count(_ request: Request, outcome: Outcome) {
        let result: String =
            switch outcome {
            case .answered(let status, _, _): "\(status / 100)xx"
            case .noAnswer: "no_answer"
            case .tooLarge: "too_large"
            }
        Counter(
            label: "folio_fakturownia_requests_total", dimensions: [("operation", request.operation), ("result", result)],
            factory: configuration.metricsFactory ?? MetricsSystem.factory
        )
        .increment()
    }

    private func backoff(attempt: Int) -> Duration {
        configuration.backoffBase * (1 << (attempt - 1))
    }

    /// The base URL, the path, and every query name and value percent-encoded (a token may hold
    /// `/`, as the partner flow's `token/prefix` does).
    static func url(baseURL: URL, path: String, query: [(String, String)]) -> String {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var url = base + path
        if !query.isEmpty {
            url += "?" + query.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
        }
        return url
    }

    static func percentEncode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// How long the provider asks a client to wait.
package enum FakturowniaGatewayRetry {
    /// `Retry-After` in seconds or as an HTTP date; nil when absent or unreadable.
    package static func delay(_ headers: HTTPHeaders, now: Date = Date()) -> Duration? {
        guard let value = headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSince(now).rounded(.up))))
    }
}
