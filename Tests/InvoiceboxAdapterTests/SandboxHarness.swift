import AsyncHTTPClient
import FolioDomain
import Foundation
import InvoiceboxSandbox
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PaymentsPort

@testable import InvoiceboxAdapter

/// A sandbox served on a free loopback port, a gateway pointed at it, and a shop of its own.
struct SandboxHarness: Sendable {
    let sandbox: InvoiceboxSandbox
    let baseURL: URL
    let gateway: InvoiceboxGateway
    let shop: ShopCredentials
    let partner: PartnerCredentials

    static let logger = Logger(label: "folio.test.invoicebox")

    /// Fast retries and backoff, so that fault tests take milliseconds, not seconds.
    static var fastClient: InvoiceboxClientConfiguration {
        var configuration = InvoiceboxClientConfiguration()
        configuration.backoffBase = .milliseconds(10)
        configuration.jitter = .milliseconds(5)
        // Budgets are ceilings, not what a test waits: generous, so that a loaded machine's slow
        // answers do not run them out; tests of a budget set their own.
        configuration.readBudget = .seconds(30)
        configuration.writeBudget = .seconds(30)
        // What a gateway learns of a base URL is kept per process: a port used again by a later
        // sandbox with other settings must not inherit it.
        configuration.dialects = ProviderDialects()
        return configuration
    }

    static func run(
        sandbox configuration: SandboxConfiguration = .fast,
        client: InvoiceboxClientConfiguration = fastClient,
        _ body: @Sendable (SandboxHarness) async throws -> Void
    ) async throws {
        let sandbox = InvoiceboxSandbox(configuration: configuration, logger: logger)
        var ownClient = client
        if ownClient.dialects === ProviderDialects.shared { ownClient.dialects = ProviderDialects() }
        let client = ownClient
        let shop = await sandbox.state.addMerchant()
        try await sandbox.withRunningServer { baseURL in
            let harness = SandboxHarness(
                sandbox: sandbox,
                baseURL: baseURL,
                gateway: InvoiceboxGateway(http: .shared, configuration: client, logger: logger),
                shop: ShopCredentials(merchantID: shop.id, token: Secret(shop.token), baseURL: baseURL),
                partner: PartnerCredentials(partnerID: configuration.partnerID, token: Secret(configuration.partnerToken), baseURL: baseURL)
            )
            try await body(harness)
        }
    }

    /// A booking of two nights and a breakfast, expiring in a day.
    func draft(_ merchantOrderID: String = UUID().uuidString.lowercased()) -> OrderDraft {
        OrderDraft(
            merchantOrderID: merchantOrderID, description: "Stay 12–14 August", currency: .rub, language: "en",
            expiresAt: Date().addingTimeInterval(86_400),
            customer: OrderCustomer(kind: .private, name: "Guest", email: "guest@example.org"),
            lines: [
                OrderLine(basket: BasketLineRequest(sku: "ROOM", name: "Room, 2 nights", quantity: 2, unitPrice: MinorUnits(499_999), vatCode: .twenty)),
                OrderLine(basket: BasketLineRequest(sku: "BRKF", name: "Breakfast", quantity: 1, unitPrice: MinorUnits(75_000), vatCode: .ten)),
            ],
            reservation: LodgingReservation(
                reservationID: "R-1", propertyName: "Hotel", guestName: "Guest", checkIn: Date(), checkOut: Date().addingTimeInterval(172_800)),
            notificationURL: nil
        )
    }

    /// Calls the sandbox's admin API.
    @discardableResult
    func admin(_ method: String, _ path: String, json: String? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: baseURL.absoluteString + path)
        request.method = .init(rawValue: method)
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }

    /// Makes the gateway take `spelling` as the provider's paging spelling without probing, for
    /// tests that count requests or slots and are not about paging.
    func assumePagingSpelling(_ spelling: PagingSpelling = .documented) async {
        _ = await gateway.transport.configuration.dialects.pagingParameters(for: baseURL, probe: { .only(spelling) })
    }

    /// The requests the sandbox received on the provider's paths whose path ends with `suffix`.
    func requests(endingWith suffix: String) async -> [SandboxRequestRecord] {
        await sandbox.state.requests().filter { $0.path.hasSuffix(suffix) }
    }

    func injectFault(_ json: String) async throws {
        try await admin("POST", "/__sandbox/faults", json: json)
    }

    /// Every order the sandbox holds for the shop, read through the filter endpoint.
    func orderCount() async throws -> Int {
        try await gateway.listOrders(OrderQuery(pageSize: 100), shop: shop).totalCount
    }
}
