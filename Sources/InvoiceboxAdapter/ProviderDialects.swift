import Foundation

/// The two spellings of the paging parameters the provider's sources disagree on
/// (invoicebox-api.md §9.5, §19 #3).
package enum PagingSpelling: String, Sendable, CaseIterable {
    /// `page` and `pageSize`, as the documentation spells them.
    case documented
    /// `_page` and `_pageSize`, as the newest official client sends them.
    case underscored

    package var pageName: String { self == .documented ? "page" : "_page" }
    package var pageSizeName: String { self == .documented ? "pageSize" : "_pageSize" }

    /// The query items asking for `page` (1-based) of `pageSize` rows.
    package func items(page: Int, pageSize: Int) -> [(String, String)] {
        [(pageName, String(page)), (pageSizeName, String(pageSize))]
    }
}

/// The paging parameters a paged call sends: the one spelling the provider was seen to honour,
/// or, where that could not be told, both pairs with the same values, so that whichever spelling
/// the provider reads asks for the same page. Paged reads go by the `metaData` the provider
/// echoes, never by what was asked, so a pair it ignores costs nothing.
package enum PagingParameters: Sendable, Equatable {
    case only(PagingSpelling)
    case both

    package func items(page: Int, pageSize: Int) -> [(String, String)] {
        switch self {
        case .only(let spelling): spelling.items(page: page, pageSize: pageSize)
        case .both: PagingSpelling.documented.items(page: page, pageSize: pageSize) + PagingSpelling.underscored.items(page: page, pageSize: pageSize)
        }
    }

    /// Whether a request with these parameters carries `spelling`'s names.
    func sends(_ spelling: PagingSpelling) -> Bool {
        self == .both || self == .only(spelling)
    }
}

/// How one order is read (invoicebox-api.md §9.6, §19 #5).
package enum OrderReadRoute: String, Sendable {
    /// `GET /billing/api/order/order/{id}`: undocumented, used by the newest official client.
    case single
    /// `GET /filter/api/order/order?id=<uuid>`: documented.
    case filter
}

/// Which path lists an order's shipments (invoicebox-api.md §13.2, §19 #4).
package enum ShipmentListRoute: String, Sendable {
    /// `GET /billing/api/order/shipment`, which the official client calls.
    case billing
    /// `GET /filter/api/order/shipment`, as documented.
    case filter

    var path: String { self == .billing ? "/billing/api/order/shipment" : "/filter/api/order/shipment" }
    var other: ShipmentListRoute { self == .billing ? .filter : .billing }
}

/// What this process has learned about each provider base URL's dialect: which paging spelling it
/// honours, whether it serves the single-order route, and which shipment list path it serves.
/// Kept in memory, and shared by default by every gateway of the process, so that each base URL
/// is probed once per process rather than once per request or per gateway value. The routes are
/// remembered for `routeMemory` only: a provider that adds or drops a route, or a single odd
/// answer that was taken for its absence, is asked again after that.
package actor ProviderDialects {
    /// The process's memory, which every client configuration uses unless given its own.
    package static let shared = ProviderDialects()

    private var spellings: [String: PagingParameters] = [:]
    private var probes: [String: Task<PagingParameters?, Never>] = [:]
    private var readRoutes: [String: (route: OrderReadRoute, learnedAt: Date)] = [:]
    private var shipmentRoutes: [String: (route: ShipmentListRoute, learnedAt: Date)] = [:]
    private let routeMemory: TimeInterval
    private let now: @Sendable () -> Date

    /// `now` tells the time the route memory is measured with; tests pass one they move.
    package init(routeMemory: Duration = .seconds(6 * 3600), now: @escaping @Sendable () -> Date = { Date() }) {
        self.routeMemory = TimeInterval(routeMemory.components.seconds)
        self.now = now
    }

    /// The parameters `baseURL` takes. The first caller runs `probe` and every caller that arrives
    /// meanwhile waits for its answer; a probe that reaches no conclusion because the provider
    /// could not be asked is not remembered, and both pairs are sent until a later probe answers.
    func pagingParameters(for baseURL: URL, probe: @escaping @Sendable () async -> PagingParameters?) async -> PagingParameters {
        let key = Self.key(baseURL)
        if let known = spellings[key] { return known }
        let running: Task<PagingParameters?, Never>
        if let inFlight = probes[key] {
            running = inFlight
        } else {
            running = Task { await probe() }
            probes[key] = running
        }
        let found = await running.value
        if probes[key] == running { probes[key] = nil }
        if let found {
            spellings[key] = found
            return found
        }
        return .both
    }

    /// Takes `spelling` as what `baseURL` honours, without a probe.
    package func remember(_ spelling: PagingSpelling, for baseURL: URL) {
        spellings[Self.key(baseURL)] = .only(spelling)
    }

    /// The parameters remembered for `baseURL`, if any.
    func knownPagingParameters(for baseURL: URL) -> PagingParameters? {
        spellings[Self.key(baseURL)]
    }

    /// The spelling remembered for `baseURL`, if one was.
    func knownPagingSpelling(for baseURL: URL) -> PagingSpelling? {
        if case .only(let spelling) = spellings[Self.key(baseURL)] { return spelling }
        return nil
    }

    /// Forgets what was remembered for `baseURL` when the provider refused `spelling`'s names
    /// in it, so that the next paged call probes again.
    func forgetPagingSpelling(_ spelling: PagingSpelling, for baseURL: URL) {
        let key = Self.key(baseURL)
        if spellings[key]?.sends(spelling) == true { spellings[key] = nil }
    }

    /// The route remembered for reading one order at `baseURL`; nil until one was seen to work,
    /// and again once `routeMemory` has passed since.
    func orderReadRoute(for baseURL: URL) -> OrderReadRoute? {
        let key = Self.key(baseURL)
        guard let known = readRoutes[key] else { return nil }
        guard now().timeIntervalSince(known.learnedAt) < routeMemory else {
            readRoutes[key] = nil
            return nil
        }
        return known.route
    }

    func remember(_ route: OrderReadRoute, for baseURL: URL) {
        readRoutes[Self.key(baseURL)] = (route, now())
    }

    /// The shipment list path remembered for `baseURL`; nil until one answered, and again once
    /// `routeMemory` has passed since.
    func shipmentListRoute(for baseURL: URL) -> ShipmentListRoute? {
        let key = Self.key(baseURL)
        guard let known = shipmentRoutes[key] else { return nil }
        guard now().timeIntervalSince(known.learnedAt) < routeMemory else {
            shipmentRoutes[key] = nil
            return nil
        }
        return known.route
    }

    func remember(_ route: ShipmentListRoute, for baseURL: URL) {
        shipmentRoutes[Self.key(baseURL)] = (route, now())
    }

    /// `https://api.invoicebox.ru` and `https://api.invoicebox.ru/` are one provider.
    private static func key(_ baseURL: URL) -> String {
        var text = baseURL.absoluteString.lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
