import AsyncHTTPClient
import FolioDomain
import FolioHTTP
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// What the demo host page needs: the key its "backend" calls Folio with, and where the sandbox's
/// mailbox is.
package struct DemoHostConfiguration: Sendable {
    package var platformKey: Secret
    /// The in-process Invoicebox sandbox, whose invitations stand in for the hotels' e-mail.
    package var sandboxURL: URL?

    package init(platformKey: Secret, sandboxURL: URL?) {
        self.platformKey = platformKey
        self.sandboxURL = sandboxURL
    }
}

/// The demo hotels' tenant ids, known once they are created.
final class DemoHotels: Sendable {
    private let ids = Mutex<Set<String>>([])

    func remember(_ id: String) { _ = ids.withLock { $0.insert(id) } }
    func contains(_ id: String) -> Bool { ids.withLock { $0.contains(id) } }
}

/// The port the server listens on, known only once it runs.
final class BoundPort: Sendable {
    private let port = Mutex<Int?>(nil)

    func set(_ value: Int) { port.withLock { $0 = value } }
    var value: Int? { port.withLock { $0 } }
}

/// `folio dev`'s `/demo`: a booking platform's back office with two hotels, as a host would build
/// it. Its page embeds the components; its "backend" is the few routes below, which call Folio's
/// public API over HTTP with the platform key, exactly as a host's backend would, so the demo
/// shows the integration rather than a shortcut around it. The key never reaches the page.
///
/// It acts for the two demo hotels only, and its writes take JSON only: another site the
/// developer visits can then neither post to it without a preflight (which Folio refuses to every
/// origin not configured) nor reach any other tenant through the key it holds.
struct DemoHost {
    static let hotels: [(externalID: String, name: String)] = [
        ("demo-hotel-aurora", "Hotel Aurora"),
        ("demo-lakeside-rooms", "Lakeside Rooms"),
    ]

    let configuration: DemoHostConfiguration
    let http: HTTPClient
    let folioPort: BoundPort
    /// Where this process listens; loopback when it listens on every address.
    let folioHost: String
    let logger: Logger
    let hotels = DemoHotels()

    func register(on router: Router<FolioRequestContext>) {
        router.get("/demo") { request, _ -> Response in
            Self.page(WebAssets.bundled.demoPage, request: request)
        }
        router.get("/demo/api/hotels") { _, _ -> Response in
            switch try await ensureHotels() {
            case .success(let list): return Self.json(.ok, try JSONSerialization.data(withJSONObject: list))
            case .failure(let refusal): return Self.passThrough(refusal.status, refusal.body)
            }
        }
        router.post("/demo/api/hotels/:tenantId/sessions") { request, context -> Response in
            let tenant = try await demoHotel(context)
            let asked = try await Self.jsonBody(request, context: context)
            var body: [String: Any] = [:]
            if let ttl = asked["ttlSeconds"] { body["ttlSeconds"] = ttl }
            let (status, answer) = try await callFolio(.POST, "/v1/tenants/\(tenant)/sessions", json: body)
            return Self.passThrough(status, answer)
        }
        router.post("/demo/api/hotels/:tenantId/reservations") { request, context -> Response in
            let tenant = try await demoHotel(context)
            let asked = try await Self.jsonBody(request, context: context)
            let reservation = "R-" + String(UUID().uuidString.prefix(6))
            let guest = (asked["guestEmail"] as? String) ?? "guest@example.org"
            let invoice: [String: Any] = [
                "reservationId": reservation,
                "description": "Reservation \(reservation): two nights",
                "currency": "RUB",
                "customer": ["type": "private", "email": guest],
                "items": [
                    ["sku": "ROOM-STD", "name": "Standard room, 2 nights", "quantity": 2, "unitPrice": 450_000, "vatCode": "RUS_VAT22"],
                    ["sku": "BREAKFAST", "name": "Breakfast", "quantity": 2, "unitPrice": 90_000, "vatCode": "RUS_VAT22"],
                ],
            ]
            let (status, answer) = try await callFolio(
                .POST, "/v1/tenants/\(tenant)/invoices", json: invoice, headers: ["Idempotency-Key": "demo-\(reservation)"]
            )
            return Self.passThrough(status, answer)
        }
        router.get("/demo/api/mailbox/:email") { _, context -> Response in
            let email = try context.parameters.require("email")
            guard let sandbox = configuration.sandboxURL, email.count <= 100, email.contains("@"),
                let escaped = email.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)
            else { throw APIProblem(status: .notFound, code: "not_found", detail: "No mailbox here.") }
            let request = HTTPClientRequest(url: sandbox.absoluteString + "/__sandbox/invites/" + escaped)
            let response = try await http.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 64 * 1024)
            guard response.status == .ok, let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
                let code = object["activationCode"] as? String
            else {
                throw APIProblem(status: .notFound, code: "not_found", detail: "No invitation has reached \(email) yet.")
            }
            return Self.json(.ok, try JSONSerialization.data(withJSONObject: ["email": email, "activationCode": code]))
        }
    }

    struct Refusal: Error {
        let status: HTTPResponseStatus
        let body: Data
    }

    /// Creates the demo hotels (creating a tenant again returns it) and remembers their ids.
    func ensureHotels() async throws -> Result<[[String: String]], Refusal> {
        var list: [[String: String]] = []
        for hotel in Self.hotels {
            let (status, body) = try await callFolio(.POST, "/v1/tenants", json: ["externalId": hotel.externalID, "displayName": hotel.name])
            guard status == .ok || status == .created,
                let tenant = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let id = tenant["id"] as? String
            else { return .failure(Refusal(status: status, body: body)) }
            hotels.remember(id)
            list.append(["tenantId": id, "name": hotel.name, "externalId": hotel.externalID])
        }
        return .success(list)
    }

    /// The path's tenant, when it is one of the demo hotels.
    func demoHotel(_ context: FolioRequestContext) async throws -> String {
        let tenant = try Self.tenantID(context)
        if !hotels.contains(tenant) { _ = try await ensureHotels() }
        guard hotels.contains(tenant) else {
            throw APIProblem(status: .notFound, code: "not_found", detail: "The demo acts for its two hotels only.")
        }
        return tenant
    }

    /// A call to Folio's own API, as the host's backend makes it.
    func callFolio(
        _ method: NIOHTTP1.HTTPMethod, _ path: String, json: [String: Any], headers extra: [String: String] = [:]
    ) async throws -> (HTTPResponseStatus, Data) {
        guard let port = folioPort.value else { throw APIProblem.serviceUnavailable }
        var request = HTTPClientRequest(url: "http://\(folioHost):\(port)\(path)")
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.platformKey.revealed)")
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1024 * 1024)
        return (response.status, Data(buffer: body))
    }

    static func tenantID(_ context: FolioRequestContext) throws -> String {
        let raw = try context.parameters.require("tenantId")
        guard let id = TenantID(string: raw) else { throw APIProblem.invalidParameter("tenantId", "must be a UUID") }
        return id.description
    }

    static func jsonBody(_ request: Request, context: FolioRequestContext) async throws -> [String: Any] {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw APIProblem(status: .unsupportedMediaType, code: "unsupported_media_type", detail: "Send the body as application/json.")
        }
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        guard buffer.readableBytes > 0 else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw APIProblem.invalidBody("The body must be a JSON object.")
        }
        return object
    }

    static func passThrough(_ status: HTTPResponseStatus, _ body: Data) -> Response {
        let problem = status.code >= 400
        return Response(
            status: .init(code: Int(status.code)),
            headers: [.contentType: problem ? "application/problem+json" : "application/json"],
            body: .init(byteBuffer: ByteBuffer(data: body))
        )
    }

    static func json(_ status: HTTPResponse.Status, _ body: Data) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: body)))
    }

    static func page(_ asset: WebAssets.Asset, request: Request) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(data: asset.body))
        )
    }
}
