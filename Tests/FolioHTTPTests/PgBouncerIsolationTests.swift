import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxSandbox
import Logging
import PostgresNIO
import Synchronization
import TenantRegistry
import Testing

/// Folio behind PgBouncer in transaction mode, the way it is deployed in front of one database:
/// many tenants, each with its own key, write and read at once through a pooler that has three
/// server connections, so every server connection goes from one tenant to the next all the time.
/// No answer may carry another tenant's data, every invoice written must be found afterwards,
/// and no server connection may keep session state that the next client would inherit.
///
/// The test database is created directly on PostgreSQL, as for every other test; only the
/// application's pool goes through PgBouncer.
///
/// Without `FOLIO_TEST_PGBOUNCER_URL` (a plain `swift test` on a developer's machine) the suite
/// is skipped; with `CI` set it runs and fails instead, so the isolation behind a pooler can
/// never be passed over silently where it counts.
@Suite(.enabled(if: PgBouncer.url != nil || PgBouncer.isRequired, "FOLIO_TEST_PGBOUNCER_URL is not set: scripts/test.sh starts PgBouncer"))
struct PgBouncerIsolationTests {
    static let tenantCount = 16
    static let invoicesPerTenant = 6
    /// Tasks reading beside each tenant's writer: with the writers, 48 clients on 3 server connections.
    static let readersPerTenant = 2
    static let readsPerReader = 24
    /// The application's own pool, far larger than the pooler's.
    static let applicationConnections = 48
    /// `default_pool_size` in scripts/pgbouncer.sh.
    static let serverConnections = 3

    @Test func tenantsSharingThreeServerConnectionsNeverSeeEachOther() async throws {
        let route = try Self.throughThePooler()
        try await TestAPI.run(applicationDatabaseURL: route) { api in
            let tenants = try await Self.provision(api)
            let ledger = Ledger(tenantCount: tenants.count)
            let problems = Problems()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for tenant in tenants {
                    group.addTask { try await Self.write(tenant, api: api, ledger: ledger, problems: problems) }
                    for reader in 0..<Self.readersPerTenant {
                        group.addTask {
                            var random = SplitMix64(state: UInt64(tenant.index * 100 + reader))
                            for _ in 0..<Self.readsPerReader {
                                try await Self.read(tenant, among: tenants, api: api, ledger: ledger, problems: problems, random: &random)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let seen = problems.all
            #expect(seen.isEmpty, "\(seen.count) wrong answers, the first: \(seen.prefix(10).joined(separator: "; "))")

            for tenant in tenants {
                try await Self.expectEverythingFound(tenant, api: api, created: ledger.invoices(of: tenant.index))
            }
            let database = try #require(try await api.database.scalar("SELECT current_database()", as: String.self))
            try await Self.expectNoSessionStateLeft(through: try route(database))
        }
    }

    @Test func notificationsAreConfirmedThroughThePooler() async throws {
        let route = try Self.throughThePooler()
        try await TestAPI.run(applicationDatabaseURL: route) { api in
            // Half the shops sign their notifications, so that the statement reads their keys too.
            var invoices: [(invoice: OpenInvoice, key: String?)] = []
            for index in 0..<6 {
                let name = "bounced-notified-\(index)"
                let (tenant, merchantID, key): (String, String, String?)
                if index % 2 == 0 {
                    (tenant, merchantID, key) = try await api.signedTenant(name)
                } else {
                    ((tenant, merchantID), key) = (try await api.activeTenant(name), nil)
                }
                let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
                try await api.sandbox.state.pay(orderID: invoice.orderID)
                invoices.append((invoice, key))
            }
            // Every notification starts with the statement Folio prepares on a direct connection;
            // through the pooler it runs unnamed, whichever server connection each transaction gets.
            let answers = try await withThrowingTaskGroup(of: [String?].self) { group in
                for (invoice, key) in invoices {
                    group.addTask {
                        let body = try await api.notificationBody(invoice)
                        var statuses: [String?] = []
                        for _ in 0..<3 {
                            statuses.append(try await api.notify(invoice.tenant, body: body, signature: key.map { sign(body, key: $0) })["status"] as? String)
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(answers == Array(repeating: "success", count: invoices.count * 3))
            for (invoice, _) in invoices {
                #expect(try await api.invoiceStatus(invoice) == "paid")
            }
        }
    }

    /// Where the application opens its pool: the suite's PgBouncer, naming the test's database.
    private static func throughThePooler() throws -> @Sendable (String) throws -> DatabaseURL {
        let bouncer = try #require(
            PgBouncer.url,
            "FOLIO_TEST_PGBOUNCER_URL is not set while CI is: run the suite with scripts/test.sh, which starts PgBouncer"
        )
        return { database in
            try PgBouncer.databaseURL(bouncer, database: database, maximumConnections: Self.applicationConnections)
        }
    }

    // MARK: - The workload

    /// Tenants with invoicing active against the sandbox and a key of their own, onboarded at once.
    private static func provision(_ api: TestAPI) async throws -> [BouncedTenant] {
        try await withThrowingTaskGroup(of: BouncedTenant.self) { group in
            for index in 0..<tenantCount {
                group.addTask {
                    let (id, _) = try await api.activeTenant(String(format: "bounced-%02d", index))
                    return BouncedTenant(index: index, id: id, key: try await api.createTenantKey(id))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }.sorted { $0.index < $1.index }
        }
    }

    /// Creates the tenant's invoices one after the other, each read back at once with its key.
    private static func write(_ tenant: BouncedTenant, api: TestAPI, ledger: Ledger, problems: Problems) async throws {
        for number in 0..<invoicesPerTenant {
            let reservation = tenant.marker + "invoice\(number)"
            let created = try await api.createInvoice(tenant.id, body: TestAPI.invoiceBody(reservationID: reservation), key: tenant.key)
            let json = try? created.json()
            guard created.status == .created, let id = json?["id"] as? String else {
                problems.add("tenant \(tenant.index): create answered \(created.status) \(String(buffer: created.body))")
                continue
            }
            if json?["reservationId"] as? String != reservation {
                problems.add("tenant \(tenant.index): create answered reservation \(json?["reservationId"] ?? "none")")
            }
            ledger.record(id, of: tenant.index)
            let read = try await api.send(.get, "/v1/tenants/\(tenant.id)/invoices/\(id)", key: .some(tenant.key))
            checkOwnInvoice(read, id: id, of: tenant, problems: problems)
        }
    }

    /// One read with the tenant's key, chosen at random: its list, one of its invoices, another
    /// tenant's invoice under its own path or under the other tenant's, its event feed, or its
    /// list filtered on another tenant's reservation.
    private static func read(
        _ tenant: BouncedTenant, among tenants: [BouncedTenant], api: TestAPI, ledger: Ledger, problems: Problems, random: inout SplitMix64
    ) async throws {
        let other = tenants[(tenant.index + Int.random(in: 1..<tenants.count, using: &random)) % tenants.count]
        let ownInvoice = ledger.invoices(of: tenant.index).randomElement(using: &random)
        let othersInvoice = ledger.invoices(of: other.index).randomElement(using: &random)
        let own = "/v1/tenants/\(tenant.id)"
        switch (Int.random(in: 0..<6, using: &random), ownInvoice, othersInvoice) {
        case (1, let mine?, _):
            let response = try await api.send(.get, "\(own)/invoices/\(mine)", key: .some(tenant.key))
            checkOwnInvoice(response, id: mine, of: tenant, problems: problems)
        case (2, _, let theirs?):
            let response = try await api.send(.get, "\(own)/invoices/\(theirs)", key: .some(tenant.key))
            if response.status != .notFound || response.problemCode != "invoice_not_found" {
                problems.add(
                    "tenant \(tenant.index) read tenant \(other.index)'s invoice under its own path: \(response.status) \(String(buffer: response.body))")
            }
        case (3, _, let theirs?):
            let response = try await api.send(.get, "/v1/tenants/\(other.id)/invoices/\(theirs)", key: .some(tenant.key))
            if response.status != .notFound || response.problemCode != "tenant_not_found" {
                problems.add("tenant \(tenant.index)'s key read tenant \(other.index)'s invoice: \(response.status) \(String(buffer: response.body))")
            }
        case (4, _, _):
            let response = try await api.send(.get, "\(own)/events?limit=100", key: .some(tenant.key))
            checkOwnEvents(response, of: tenant, ledger: ledger, problems: problems)
        case (5, _, _):
            let response = try await api.send(.get, "\(own)/invoices?reservationId=\(other.marker)invoice0", key: .some(tenant.key))
            let items = (try? response.json())?["items"] as? [[String: Any]]
            if response.status != .ok || items?.isEmpty != true {
                problems.add("tenant \(tenant.index) found tenant \(other.index)'s reservation: \(response.status) \(String(buffer: response.body))")
            }
        default:
            // Invoices whose creation was answered before the list was asked for must be in it.
            let committed = Set(ledger.invoices(of: tenant.index))
            let response = try await api.send(.get, "\(own)/invoices?limit=100", key: .some(tenant.key))
            let items = (try? response.json())?["items"] as? [[String: Any]]
            guard response.status == .ok, let items else {
                problems.add("tenant \(tenant.index): list answered \(response.status) \(String(buffer: response.body))")
                return
            }
            for item in items { checkOwnInvoiceJSON(item, of: tenant, ledger: ledger, problems: problems, context: "list") }
            let missing = committed.subtracting(items.compactMap { $0["id"] as? String })
            if !missing.isEmpty { problems.add("tenant \(tenant.index): list lacks its invoices \(missing.sorted())") }
        }
    }

    // MARK: - What every answer must hold

    private static func checkOwnInvoice(_ response: TestResponse, id: String, of tenant: BouncedTenant, problems: Problems) {
        guard response.status == .ok, let json = try? response.json() else {
            problems.add("tenant \(tenant.index): its invoice \(id) answered \(response.status) \(String(buffer: response.body))")
            return
        }
        if json["id"] as? String != id {
            problems.add("tenant \(tenant.index): asked for invoice \(id), got \(json["id"] ?? "none")")
        }
        checkOwnInvoiceJSON(json, of: tenant, ledger: nil, problems: problems, context: "read")
    }

    private static func checkOwnInvoiceJSON(_ invoice: [String: Any], of tenant: BouncedTenant, ledger: Ledger?, problems: Problems, context: String) {
        let reservation = invoice["reservationId"] as? String ?? ""
        if !reservation.hasPrefix(tenant.marker) {
            problems.add("tenant \(tenant.index): \(context) holds reservation \(reservation)")
        }
        if let id = invoice["id"] as? String, let owner = ledger?.owner(of: id), owner != tenant.index {
            problems.add("tenant \(tenant.index): \(context) holds tenant \(owner)'s invoice \(id)")
        }
    }

    private static func checkOwnEvents(_ response: TestResponse, of tenant: BouncedTenant, ledger: Ledger, problems: Problems) {
        guard response.status == .ok, let items = (try? response.json())?["items"] as? [[String: Any]] else {
            problems.add("tenant \(tenant.index): events answered \(response.status) \(String(buffer: response.body))")
            return
        }
        for event in items {
            if event["tenantId"] as? String != tenant.id {
                problems.add("tenant \(tenant.index): its feed holds an event of tenant \(event["tenantId"] ?? "none")")
            }
            if let reservation = event["reservationId"] as? String, !reservation.hasPrefix(tenant.marker) {
                problems.add("tenant \(tenant.index): its feed holds reservation \(reservation)")
            }
            if let id = event["invoiceId"] as? String, let owner = ledger.owner(of: id), owner != tenant.index {
                problems.add("tenant \(tenant.index): its feed holds tenant \(owner)'s invoice \(id)")
            }
        }
        let sequences = items.compactMap { $0["sequence"] as? Int }
        if sequences != sequences.sorted() || Set(sequences).count != sequences.count {
            problems.add("tenant \(tenant.index): its feed's sequence is \(sequences)")
        }
    }

    /// Once the load is over: each tenant's list and feed hold exactly what it created, numbered
    /// 1, 2, 3 … without a gap, and its schema holds as many invoices.
    private static func expectEverythingFound(_ tenant: BouncedTenant, api: TestAPI, created: [String]) async throws {
        #expect(created.count == invoicesPerTenant, "tenant \(tenant.index)")
        let own = "/v1/tenants/\(tenant.id)"
        let listed = try await api.send(.get, "\(own)/invoices?limit=100", key: .some(tenant.key)).json()["items"] as? [[String: Any]] ?? []
        #expect(Set(listed.compactMap { $0["id"] as? String }) == Set(created), "tenant \(tenant.index)")
        #expect(listed.allSatisfy { ($0["reservationId"] as? String)?.hasPrefix(tenant.marker) == true }, "tenant \(tenant.index)")

        let events = try await api.send(.get, "\(own)/events?limit=100", key: .some(tenant.key)).json()["items"] as? [[String: Any]] ?? []
        #expect(events.compactMap { $0["sequence"] as? Int } == Array(1...(1 + invoicesPerTenant)), "tenant \(tenant.index)")
        #expect(events.allSatisfy { $0["tenantId"] as? String == tenant.id }, "tenant \(tenant.index)")
        let announced = events.filter { $0["type"] as? String == "invoice.created" }.compactMap { $0["invoiceId"] as? String }
        #expect(Set(announced) == Set(created), "tenant \(tenant.index)")

        #expect(try await api.invoiceCount(tenant.id) == Int64(created.count), "tenant \(tenant.index)")
    }

    /// Holds one transaction open on each of the pooler's server connections at once and reads
    /// what a client could have left on it beyond its transaction: settings changed for the
    /// session, named prepared statements, LISTEN channels, advisory locks, temporary tables.
    private static func expectNoSessionStateLeft(through url: DatabaseURL) async throws {
        let client = PostgresClient(configuration: url.configuration, backgroundLogger: TestDatabase.logger)
        try await withThrowingTaskGroup(of: Void.self) { running in
            client.run(in: &running)
            defer { running.cancelAll() }
            let everyone = Rendezvous(parties: serverConnections)
            let seen = try await withThrowingTaskGroup(of: ServerConnectionState.self) { group in
                for _ in 0..<serverConnections {
                    group.addTask {
                        try await client.withTransaction(logger: TestDatabase.logger) { connection in
                            let rows = try await connection.query(
                                "SELECT pg_backend_pid(), inet_server_port(), (\(unescaped: leftoverStateQuery))", logger: TestDatabase.logger
                            )
                            let (pid, port, leftovers) = try #require(try await rows.decode((Int32, Int32, [String]?).self).collect().first)
                            // The transaction keeps its server connection until all of them hold one.
                            await everyone.arrive()
                            return ServerConnectionState(pid: pid, port: port, leftovers: leftovers ?? [])
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(seen.map(\.pid)).count == serverConnections, "each transaction held a server connection of its own")
            #expect(seen.allSatisfy { Int($0.port) != url.configuration.port }, "FOLIO_TEST_PGBOUNCER_URL reaches PostgreSQL directly, not through PgBouncer")
            for state in seen {
                #expect(state.leftovers.isEmpty, "server connection \(state.pid) kept session state: \(state.leftovers)")
            }
        }
    }

    /// PgBouncer itself sets the parameters it tracks per client; anything else set for the
    /// session was left by a client. A setting is compared with its value at connection start,
    /// since `SET TRANSACTION …` marks `transaction_isolation` as set by the session for good
    /// while the next transaction starts from the default again.
    private static let leftoverStateQuery = """
        SELECT array_agg(leftover) FROM (
            SELECT 'setting ' || name || ' = ' || setting AS leftover FROM pg_settings
            WHERE source = 'session' AND setting IS DISTINCT FROM reset_val
              AND lower(name) NOT IN ('application_name', 'client_encoding', 'datestyle', 'timezone', 'standard_conforming_strings')
            UNION ALL SELECT 'prepared statement ' || name FROM pg_prepared_statements
            UNION ALL SELECT 'listening on ' || channel FROM pg_listening_channels() AS channel
            UNION ALL SELECT 'advisory lock ' || objid FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
            UNION ALL SELECT 'temporary table ' || relname FROM pg_class WHERE relnamespace = pg_my_temp_schema()
        ) AS state
        """
}

/// Where the suite's PgBouncer listens, from scripts/test.sh.
private enum PgBouncer {
    static let url: String? = ProcessInfo.processInfo.environment["FOLIO_TEST_PGBOUNCER_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// In CI a missing PgBouncer fails the suite rather than skipping it.
    static let isRequired = ProcessInfo.processInfo.environment["CI"] != nil

    /// The pooler's URL naming `database`, with a pool of `maximumConnections` clients and no
    /// named statements, which PgBouncer 1.18 in transaction mode cannot carry. The tenants' own
    /// connections stay at their default (8 of them), although they gain nothing behind a
    /// transaction pooler: they are the production wiring whose isolation this suite checks.
    static func databaseURL(_ url: String, database: String, maximumConnections: Int) throws -> DatabaseURL {
        guard var components = URLComponents(string: url) else { throw DatabaseURLError.malformed("is not a URL") }
        components.path = "/" + database
        components.queryItems =
            (components.queryItems ?? []).filter { !["max_connections", "prepared_statements"].contains($0.name) } + [
                URLQueryItem(name: "max_connections", value: String(maximumConnections)),
                URLQueryItem(name: "prepared_statements", value: "off"),
            ]
        return try DatabaseURL(components.string ?? url)
    }
}

private struct BouncedTenant: Sendable {
    let index: Int
    let id: String
    let key: String
    /// Starts every reservation id of this tenant and of no other.
    var marker: String { String(format: "tenant%02d-", index) }
}

/// The invoices each tenant's creation answered, as the readers learn of them.
private final class Ledger: Sendable {
    private let created: Mutex<[[String]]>

    init(tenantCount: Int) {
        created = Mutex(Array(repeating: [], count: tenantCount))
    }

    func record(_ invoice: String, of tenant: Int) {
        created.withLock { $0[tenant].append(invoice) }
    }

    func invoices(of tenant: Int) -> [String] {
        created.withLock { $0[tenant] }
    }

    func owner(of invoice: String) -> Int? {
        created.withLock { created in created.firstIndex { $0.contains(invoice) } }
    }
}

/// Wrong answers, collected from every task and reported together.
private final class Problems: Sendable {
    private let found = Mutex<[String]>([])

    func add(_ problem: String) {
        found.withLock { $0.append(problem) }
    }

    var all: [String] { found.withLock { $0 } }
}

private struct ServerConnectionState: Sendable {
    let pid: Int32
    let port: Int32
    let leftovers: [String]
}

/// Lets tasks go on only once all `parties` of them have arrived.
private actor Rendezvous {
    private let parties: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) {
        self.parties = parties
    }

    func arrive() async {
        if waiting.count + 1 == parties {
            for party in waiting { party.resume() }
            waiting.removeAll()
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}
