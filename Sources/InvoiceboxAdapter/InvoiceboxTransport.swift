import AsyncHTTPClient
import FolioDomain
import Foundation
import Logging
import Metrics
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PaymentsPort

/// How the adapter behaves on the wire; the defaults follow the provider's own official client.
package struct InvoiceboxClientConfiguration: Sendable {
    package var userAgent = "Folio/\(FolioVersion.current) (InvoiceboxAdapter 1.0)"
    /// Total time budget of a read, across its retries.
    package var readBudget: Duration = .seconds(12)
    /// Total time budget of a write; writes are made once.
    package var writeBudget: Duration = .seconds(30)
    package var readAttempts = 3
    /// Backoff before retry n is `backoffBase × 2^(n−1)` plus up to `jitter`.
    package var backoffBase: Duration = .seconds(1)
    package var jitter: Duration = .milliseconds(250)
    /// A `Retry-After` longer than this gives up at once.
    package var maximumRetryAfter: Duration = .seconds(60)
    package var responseSizeLimit = 4 << 20
    /// Below the provider's 100 requests per 30 s per account, leaving room for other clients.
    package var requestsPerWindow = 90
    package var window: Duration = .seconds(30)
    /// The partner account's share one tenant may use per window, so that one tenant's invites
    /// and activations cannot take the whole partner quota from every other tenant's onboarding.
    package var partnerRequestsPerTenant = 10
    /// The provider's limit per client address (500 requests per 30 s, invoicebox-api.md §6): every
    /// tenant's calls leave from this process's address, so they share it, served in turns.
    package var requestsPerAddress = 500
    package var addressWindow: Duration = .seconds(30)
    /// What this process learned of each base URL's paging spelling and single-order route;
    /// shared by every gateway of the process unless a test gives one its own.
    package var dialects = ProviderDialects.shared
    /// The most pages one list read (an order's shipments, a parent's refunds) follows; a list
    /// still going after that is an error, never a list without the rows not read.
    package var maximumPagesRead = 50
    /// Where the adapter's metrics go; nil for the process's `MetricsSystem`. A test passes a
    /// factory of its own to read exactly what its calls recorded.
    package var metricsFactory: (any MetricsFactory)?
    package var breakerThreshold = 5
    package var breakerOpenFor: Duration = .seconds(30)
    /// A retry is not started with less than this left of the budget.
    package var minimumRetryBudget: Duration = .seconds(1)
    /// Measures the budgets, windows and breaker periods and times the waits between retries;
    /// tests pass a manual clock so that none of them takes real time.
    package var clock: any Clock<Duration> = ContinuousClock()

    package init() {}
}

/// One HTTP exchange with Invoicebox: retries, limits, breaker, size cap and error decoding.
struct InvoiceboxTransport: Sendable {
    enum Kind: Sendable {
        case read, write
    }

    struct Request: Sendable {
        var method: HTTPMethod
        /// The path after `/v3` (or `/l3`), e.g. `/billing/api/order/order`.
        var path: String
        var query: [(String, String)] = []
        var body: Data?
        var kind: Kind
        /// Names the operation in logs and errors, e.g. `create order`.
        var operation: String
    }

    struct Response {
        var status: Int
        var requestID: String?
        var json: [String: Any]

        var data: WireObject? {
            (json["data"] as? [String: Any]).map { WireObject(members: $0, status: status, requestID: requestID) }
        }

        var dataList: [WireObject] {
            ((json["data"] as? [Any]) ?? []).compactMap { $0 as? [String: Any] }.map {
                WireObject(members: $0, status: status, requestID: requestID)
            }
        }

        var meta: WireObject {
            WireObject(members: json["metaData"] as? [String: Any] ?? [:], status: status, requestID: requestID)
        }
    }

    let http: HTTPClient
    let configuration: InvoiceboxClientConfiguration
    let limiter: SlidingWindowLimiter
    /// The provider's limit per client address, which every shop's calls share.
    let addressLimiter: FairShareLimiter
    let breaker: CircuitBreaker
    let clock: ElapsedClock
    let logger: Logger

    init(http: HTTPClient, configuration: InvoiceboxClientConfiguration, logger: Logger) {
        self.http = http
        self.configuration = configuration
        self.limiter = SlidingWindowLimiter(limit: configuration.requestsPerWindow, window: configuration.window, clock: configuration.clock)
        self.addressLimiter = FairShareLimiter(limit: configuration.requestsPerAddress, window: configuration.addressWindow, clock: configuration.clock)
        self.breaker = CircuitBreaker(threshold: configuration.breakerThreshold, openFor: configuration.breakerOpenFor, clock: configuration.clock)
        self.clock = ElapsedClock(configuration.clock)
        self.logger = logger
    }

    /// Sends `request` for the account `accountKey` (a merchant or partner id) with `token`.
    func send(_ request: Request, baseURL: URL, prefix: String, token: Secret?, accountKey: String) async throws(InvoiceboxError) -> Response {
        let budget = request.kind == .read ? configuration.readBudget : configuration.writeBudget
        let deadline = clock.now() + budget
        let attempts = request.kind == .read ? max(1, configuration.readAttempts) : 1
        let breakerKey = baseURL.absoluteString
        var lastError = InvoiceboxError.timedOut(operation: request.operation)

        for attempt in 1...attempts {
            // The slots come first: waiting for them must not hold the breaker's half-open probe.
            // The shop's own slot is taken before the address's, so that a shop over its own limit
            // never holds a slot every other shop could use.
            let booked: Bool
            do {
                booked = try await timedWait(limiter: "token") { try await limiter.acquire(accountKey, within: deadline - clock.now()) }
            } catch {
                throw .timedOut(operation: request.operation)
            }
            guard booked else {
                throw .rateLimited(retryAfterSeconds: Int(configuration.window.components.seconds), requestID: nil)
            }
            let addressBooked: Bool
            do {
                addressBooked = try await timedWait(limiter: "address") { try await addressLimiter.acquire(accountKey, within: deadline - clock.now()) }
            } catch {
                throw .timedOut(operation: request.operation)
            }
            guard addressBooked else {
                throw .rateLimited(retryAfterSeconds: Int(configuration.addressWindow.components.seconds), requestID: nil)
            }
            try await breaker.permit(breakerKey)
            let remaining = deadline - clock.now()
            guard remaining > .zero else {
                await breaker.recordNeutral(breakerKey)
                throw .timedOut(operation: request.operation)
            }

            let outcome = await exchange(request, baseURL: baseURL, prefix: prefix, token: token, timeout: remaining)
            let retryDelay: Duration?
            switch outcome {
            case .response(let status, let requestID, let headers, let body):
                switch status {
                case 200..<300:
                    do {
                        let response = try decodeSuccess(status: status, requestID: requestID, headers: headers, body: body)
                        await breaker.recordSuccess(breakerKey)
                        return response
                    } catch {
                        await breaker.recordNeutral(breakerKey)
                        throw error
                    }
                case 429:
                    // One shop over its own limit says nothing about the provider's health, and
                    // the breaker is shared by every shop on this base URL.
                    await breaker.recordNeutral(breakerKey)
                    let retryAfter = Self.retryAfter(headers)
                    lastError = .rateLimited(retryAfterSeconds: retryAfter.map { Int($0.components.seconds) }, requestID: requestID)
                    guard request.kind == .read else { throw lastError }
                    if let retryAfter, retryAfter > configuration.maximumRetryAfter { throw lastError }
                    retryDelay = retryAfter ?? backoff(attempt: attempt)
                case 408, 425, 500...599:
                    await breaker.recordFailure(breakerKey)
                    if request.kind == .write {
                        // 503 and 408/425 say the request was not processed; anything else may have been.
                        if status == 503 || status == 408 || status == 425 { throw .unavailable(status: status, requestID: requestID) }
                        throw .outcomeUnknown(operation: request.operation, requestID: requestID)
                    }
                    lastError = .unavailable(status: status, requestID: requestID)
                    retryDelay = Self.retryAfter(headers) ?? backoff(attempt: attempt)
                default:
                    await breaker.recordNeutral(breakerKey)
                    throw Self.decodeError(status: status, requestID: requestID, body: body)
                }
            case .timedOut:
                await breaker.recordFailure(breakerKey)
                if request.kind == .write { throw .outcomeUnknown(operation: request.operation, requestID: nil) }
                lastError = .timedOut(operation: request.operation)
                retryDelay = backoff(attempt: attempt)
            case .transportFailed(let reason, let sent):
                await breaker.recordFailure(breakerKey)
                if request.kind == .write {
                    throw sent ? .outcomeUnknown(operation: request.operation, requestID: nil) : .transport(reason: reason)
                }
                lastError = .transport(reason: reason)
                retryDelay = backoff(attempt: attempt)
            case .tooLarge(let requestID):
                await breaker.recordNeutral(breakerKey)
                throw .responseTooLarge(limit: configuration.responseSizeLimit, requestID: requestID)
            }

            guard attempt < attempts, let retryDelay, clock.now() + retryDelay + configuration.minimumRetryBudget < deadline else { break }
            logger.debug("retrying Invoicebox read", metadata: ["operation": "\(request.operation)", "attempt": "\(attempt)"])
            do {
                try await clock.sleep(clock.now() + retryDelay)
            } catch {
                throw lastError
            }
        }
        throw lastError
    }

    /// Runs `wait` and records how long it took in `folio_provider_rate_limit_wait_seconds{limiter}`,
    /// measured on the configured clock, a slot granted at once included.
    private func timedWait(limiter name: String, _ wait: () async throws -> Bool) async throws -> Bool {
        let started = clock.now()
        defer {
            let waited = clock.now() - started
            Metrics.Timer(
                label: "folio_provider_rate_limit_wait_seconds", dimensions: [("limiter", name)], preferredDisplayUnit: .seconds,
                factory: configuration.metricsFactory ?? MetricsSystem.factory
            )
            .recordNanoseconds(waited.wholeNanoseconds)
        }
        return try await wait()
    }

    private enum Outcome {
        case response(status: Int, requestID: String?, headers: HTTPHeaders, body: ByteBuffer)
        case timedOut
        /// `sent` is true when the request may have reached the provider.
        case transportFailed(reason: String, sent: Bool)
        case tooLarge(requestID: String?)
    }

    private func exchange(_ request: Request, baseURL: URL, prefix: String, token: Secret?, timeout: Duration) async -> Outcome {
        var outgoing = HTTPClientRequest(url: Self.url(baseURL: baseURL, prefix: prefix, path: request.path, query: request.query))
        outgoing.method = request.method
        outgoing.headers.add(name: "Accept", value: "application/json")
        outgoing.headers.add(name: "Content-Type", value: "application/json")
        outgoing.headers.add(name: "User-Agent", value: configuration.userAgent)
        if let token {
            outgoing.headers.add(name: "Authorization", value: "Bearer \(token.revealed)")
        }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(data: body))
        }
        let started = ContinuousClock.now
        do {
            let response = try await http.execute(outgoing, timeout: TimeAmount(timeout))
            let requestID = response.headers.first(name: "X-Request-Id")
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > configuration.responseSizeLimit {
                return .tooLarge(requestID: requestID)
            }
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: configuration.responseSizeLimit)
            } catch is NIOTooManyBytesError {
                return .tooLarge(requestID: requestID)
            }
            logger.info(
                "invoicebox call",
                metadata: [
                    "operation": "\(request.operation)", "status": "\(response.status.code)",
                    "invoicebox.request_id": "\(requestID ?? "none")",
                    "duration_ms": "\((ContinuousClock.now - started).wholeMilliseconds)",
                ]
            )
            return .response(status: Int(response.status.code), requestID: requestID, headers: response.headers, body: body)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .timedOut
        } catch let error as HTTPClientError where error == .connectTimeout {
            return .transportFailed(reason: "connect timeout", sent: false)
        } catch let error as HTTPClientError {
            return .transportFailed(reason: "\(error)", sent: error != .connectTimeout)
        } catch {
            let connectionRefused = "\(error)".contains("refused")
            return .transportFailed(reason: connectionRefused ? "connection refused" : "connection failed", sent: !connectionRefused)
        }
    }

    private func decodeSuccess(status: Int, requestID: String?, headers: HTTPHeaders, body: ByteBuffer) throws(InvoiceboxError) -> Response {
        let contentType = headers.first(name: "Content-Type")?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") || contentType.contains("+json") else {
            throw .malformedResponse(reason: "content type \(contentType.isEmpty ? "missing" : contentType), not JSON", status: status, requestID: requestID)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
            throw .malformedResponse(reason: "body is not a JSON object", status: status, requestID: requestID)
        }
        // `"error": null` beside the data is a success that names no error.
        if let error = object["error"], !(error is NSNull) {
            throw Self.decodeError(status: status, requestID: requestID, body: body)
        }
        return Response(status: status, requestID: requestID, json: object)
    }

    /// Reads `{"error": {code, message, fields}}`, or `{code, message}` at the top level.
    static func decodeError(status: Int, requestID: String?, body: ByteBuffer) -> InvoiceboxError {
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
            return .rejected(status: status, code: nil, message: nil, fields: [], requestID: requestID)
        }
        let error = object["error"] as? [String: Any] ?? object
        let fields = InvoiceboxError.decodeFields(error["fields"])
        return .rejected(status: status, code: error["code"] as? String, message: error["message"] as? String, fields: fields, requestID: requestID)
    }

    private func backoff(attempt: Int) -> Duration {
        let base = configuration.backoffBase * (1 << (attempt - 1))
        let jitterNanoseconds = configuration.jitter.wholeNanoseconds
        return base + .nanoseconds(jitterNanoseconds > 0 ? Int64.random(in: 0...jitterNanoseconds) : 0)
    }

    /// `Retry-After` in seconds or as an HTTP date.
    static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let value = headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSinceNow.rounded(.up))))
    }

    /// Builds the URL with every query name and value percent-encoded, `+`, `[` and `]` included,
    /// so that timestamps with offsets and bracketed filters survive the trip.
    static func url(baseURL: URL, prefix: String, path: String, query: [(String, String)]) -> String {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var url = base + "/" + prefix + path
        if !query.isEmpty {
            url += "?" + query.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
        }
        return url
    }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        allowed.remove(charactersIn: "")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
