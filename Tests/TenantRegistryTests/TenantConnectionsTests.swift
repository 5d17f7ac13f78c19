import FolioDomain
import FolioTestSupport
import Foundation
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing

@testable import TenantRegistry

/// Each tenant's statements go to a connection kept for its share of the tenants while that
/// connection is open and idle, and to the shared pool otherwise.
@Suite(.timeLimit(.minutes(1))) struct TenantConnectionsTests {
    let logger = TestDatabase.logger
    static let ownStatements = #"folio_tenant_connection_statements_total{connection="own"}"#
    static let sharedStatements = #"folio_tenant_connection_statements_total{connection="shared"}"#

    @Test func aTenantKeepsItsPlaceAndTheTenantsSpreadEvenly() {
        for count in [8, 128, 3] {
            var counts = Array(repeating: 0, count: count)
            for _ in 0..<(count * 1000) {
                let tenant = TenantID.random()
                let index = TenantConnections.index(of: tenant, among: count)
                #expect(TenantConnections.index(of: tenant, among: count) == index)
                counts[index] += 1
            }
            // 1,000 each on average; ±200 is more than six standard deviations.
            #expect(counts.allSatisfy { (800...1200).contains($0) }, "\(count): \(counts)")
        }
        #expect(TenantConnections.index(of: TenantID.random(), among: 1) == 0)
    }

    /// Waits until every connection of `connections` is open.
    func waitUntilOpen(_ connections: TenantConnections) async throws {
        try await waitUntil { (0..<connections.count).allSatisfy(connections.isOpen) }
    }

    func process(_ connection: PostgresConnection) async throws -> Int32 {
        try #require(try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self).collect().first)
    }

    /// Tenants until at least three of the connections have one.
    func tenantsOverThreeConnections(among count: Int) -> [TenantID] {
        var tenants: [TenantID] = []
        while Set(tenants.map { TenantConnections.index(of: $0, among: count) }).count < 3 { tenants.append(.random()) }
        return tenants
    }

    @Test func aTenantKeepsToItsOwnProcessWhileItIsIdle() async throws {
        _ = TestMetrics.registry
        try await TestDatabase.withFresh { client in
            try await TestDatabase.withTenantConnections(4, besides: client) { connections in
                try await waitUntilOpen(connections)
                let ownBefore = TestMetrics.counter(Self.ownStatements)
                let sharedBefore = TestMetrics.counter(Self.sharedStatements)
                let tenants = tenantsOverThreeConnections(among: 4)
                var processOfConnection: [Int: Int32] = [:]
                for tenant in tenants {
                    let seen = try await connections.withConnection(for: tenant, shared: client, process)
                    #expect(try await connections.withConnection(for: tenant, shared: client, process) == seen)
                    processOfConnection[TenantConnections.index(of: tenant, among: 4), default: seen] = seen
                    #expect(processOfConnection[TenantConnections.index(of: tenant, among: 4)] == seen)
                }
                // One process per connection, none of them the shared pool's.
                #expect(Set(processOfConnection.values).count == processOfConnection.count)
                #expect(!processOfConnection.values.contains(try await client.withConnection(process)))
                // Nor does a tenant connection log under an id of the shared pool's.
                for tenant in tenants {
                    let id = try await connections.withConnection(for: tenant, shared: client) { $0.id }
                    #expect(id == -(TenantConnections.index(of: tenant, among: 4) + 1))
                }
                let sharedID = try await client.withConnection { $0.id }
                #expect(sharedID >= 0)

                let tenant = tenants[0]
                let own = try #require(processOfConnection[TenantConnections.index(of: tenant, among: 4)])
                let (outer, inner) = try await connections.withConnection(for: tenant, shared: client) { outer in
                    // Busy with more than a single read: the tenant's next statement takes the
                    // shared pool rather than wait.
                    (try await process(outer), try await connections.withConnection(for: tenant, shared: client, process))
                }
                #expect(outer == own)
                #expect(inner != own)
                struct Refused: Error {}
                await #expect(throws: Refused.self) {
                    try await connections.withConnection(for: tenant, shared: client) { _ in throw Refused() }
                }
                // Given back after a throw as after a return.
                #expect(try await connections.withConnection(for: tenant, shared: client, process) == own)
                let owned = Double(tenants.count * 2 + 3)
                #expect(TestMetrics.counter(Self.ownStatements) >= ownBefore + owned)
                #expect(TestMetrics.counter(Self.sharedStatements) >= sharedBefore + 1)
            }
        }
    }

    /// A tenant other than `tenant` whose statements go to the same connection among `count`.
    func neighbour(of tenant: TenantID, among count: Int) -> TenantID {
        var other = TenantID.random()
        while TenantConnections.index(of: other, among: count) != TenantConnections.index(of: tenant, among: count) { other = .random() }
        return other
    }

    /// Holds `tenant`'s connection for `use` until `release` is raised, or for 5 s at most, so
    /// that a statement that waits where it should not makes its test fail instead of hang;
    /// answers its process.
    fileprivate func hold(
        _ connections: TenantConnections, for tenant: TenantID, shared: PostgresClient, use: TenantConnections.Use, until release: Flag
    ) async throws -> Int32 {
        try await connections.withConnection(for: tenant, shared: shared, use: use) { connection in
            let pid = try await process(connection)
            let deadline = ContinuousClock.now + .seconds(5)
            while !release.isRaised, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            return pid
        }
    }

    /// `eventually`, ending the test when the condition never holds.
    func waitUntil(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try #require(try await eventually(sourceLocation: sourceLocation, condition), sourceLocation: sourceLocation)
    }

    /// Two tenant connections, both open, and a tenant with the slot of its connection. A read
    /// waits up to `longestWait` for another; by default longer than any test holds one.
    func withTwoConnections(
        longestWait: Duration = .seconds(60), _ body: @Sendable (PostgresClient, TenantConnections, _ tenant: TenantID, _ index: Int) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh { client in
            try await TestDatabase.withTenantConnections(2, besides: client, longestWait: longestWait) { connections in
                try await waitUntilOpen(connections)
                let tenant = TenantID.random()
                try await body(client, connections, tenant, TenantConnections.index(of: tenant, among: 2))
            }
        }
    }

    @Test func aReadWaitsForAReadOnItsConnectionAndASecondReadTakesTheSharedPool() async throws {
        try await withTwoConnections { client, connections, reader, index in
            let release = Flag()
            async let own = hold(connections, for: reader, shared: client, use: .singleRead, until: release)
            try await waitUntil { connections.isHeld(index) }
            let ranBehind = Flag()
            async let behind = connections.withConnection(for: neighbour(of: reader, among: 2), shared: client, use: .singleRead) {
                connection in
                ranBehind.raise()
                return try await process(connection)
            }
            try await waitUntil { connections.isAwaited(index) }
            // Only one waits: the next read goes to the shared pool at once, while the first still holds.
            let third = try await connections.withConnection(for: neighbour(of: reader, among: 2), shared: client, use: .singleRead, process)
            #expect(!ranBehind.isRaised && connections.isHeld(index))
            release.raise()
            let (holder, waiter) = try await (own, behind)
            #expect(waiter == holder)
            #expect(third != holder)
            #expect(!connections.isHeld(index) && !connections.isAwaited(index))
        }
    }

    @Test func aReadStillWaitingAfterTheLongestWaitTakesTheSharedPool() async throws {
        try await withTwoConnections(longestWait: .milliseconds(300)) { client, connections, reader, index in
            let release = Flag()
            async let own = hold(connections, for: reader, shared: client, use: .singleRead, until: release)
            try await waitUntil { connections.isHeld(index) }
            async let behind = connections.withConnection(for: neighbour(of: reader, among: 2), shared: client, use: .singleRead, process)
            try await waitUntil { connections.isAwaited(index) }
            // It gives up while the read still holds the connection (for 5 s, unless released).
            let waiter = try await behind
            #expect(connections.isHeld(index) && !connections.isAwaited(index))
            release.raise()
            #expect(try await own != waiter)
        }
    }

    /// A read never waits for a unit of work, and a unit of work never waits for a read.
    @Test(arguments: [(TenantConnections.Use.other, TenantConnections.Use.singleRead), (.singleRead, .other)])
    func noWaitWhereAUnitOfWorkIsEitherSide(holding: TenantConnections.Use, arriving: TenantConnections.Use) async throws {
        try await withTwoConnections { client, connections, tenant, index in
            let release = Flag()
            async let own = hold(connections, for: tenant, shared: client, use: holding, until: release)
            try await waitUntil { connections.isHeld(index) }
            let arrived = try await connections.withConnection(for: neighbour(of: tenant, among: 2), shared: client, use: arriving, process)
            #expect(connections.isHeld(index))
            release.raise()
            #expect(try await own != arrived)
        }
    }

    @Test func aTenantThatTookTheSharedPoolLatelyDoesNotWait() async throws {
        try await withTwoConnections { client, connections, holder, index in
            let tenant = neighbour(of: holder, among: 2)
            // A unit of work holds the connection: the tenant's read takes the shared pool.
            let unitReleased = Flag()
            async let unit = hold(connections, for: holder, shared: client, use: .other, until: unitReleased)
            try await waitUntil { connections.isHeld(index) }
            let first = try await connections.withConnection(for: tenant, shared: client, use: .singleRead, process)
            unitReleased.raise()
            let own = try await unit
            #expect(first != own)
            // A read holds it now: the tenant goes back to the shared pool rather than wait.
            let readReleased = Flag()
            async let read = hold(connections, for: holder, shared: client, use: .singleRead, until: readReleased)
            try await waitUntil { connections.isHeld(index) }
            let second = try await connections.withConnection(for: tenant, shared: client, use: .singleRead, process)
            #expect(connections.isHeld(index))
            readReleased.raise()
            #expect(try await read == own)
            #expect(second != own)
        }
    }

    @Test func aCancelledWaiterLeavesAndTheConnectionIsIdleAfterTheRead() async throws {
        try await withTwoConnections { client, connections, reader, index in
            let release = Flag()
            async let own = hold(connections, for: reader, shared: client, use: .singleRead, until: release)
            try await waitUntil { connections.isHeld(index) }
            let waiter = Task {
                try await connections.withConnection(for: neighbour(of: reader, among: 2), shared: client, use: .singleRead, process)
            }
            try await waitUntil { connections.isAwaited(index) }
            waiter.cancel()
            // It stops waiting at once, while the read still holds the connection: the
            // shared pool refuses it as cancelled, or runs it.
            try await waitUntil { !connections.isAwaited(index) }
            let outcome = await waiter.result
            #expect(connections.isHeld(index))
            release.raise()
            let holder = try await own
            if case .success(let waiterProcess) = outcome { #expect(waiterProcess != holder) }
            #expect(!connections.isHeld(index))
            #expect(try await connections.withConnection(for: reader, shared: client, use: .singleRead, process) == holder)
        }
    }

    @Test func aWaiterWhoseConnectionClosesMeanwhileTakesTheSharedPool() async throws {
        try await withTwoConnections { client, connections, reader, index in
            let ended = Flag()
            let holderProcess = Mutex<Int32?>(nil)
            async let read: Void = connections.withConnection(for: reader, shared: client, use: .singleRead) { connection in
                let pid = try await process(connection)
                holderProcess.withLock { $0 = pid }
                // Gives the connection back only once the client has seen the server end it.
                while !(ended.isRaised && connection.isClosed) { try await Task.sleep(for: .milliseconds(5)) }
            }
            try await waitUntil { holderProcess.withLock { $0 } != nil }
            let holder = try #require(holderProcess.withLock { $0 })
            async let behind = connections.withConnection(for: neighbour(of: reader, among: 2), shared: client, use: .singleRead, process)
            try await waitUntil { connections.isAwaited(index) }
            let terminated = try await client.scalar("SELECT pg_terminate_backend(\(holder), 5000)", as: Bool.self)
            #expect(terminated == true)
            ended.raise()
            try await read
            let waiter = try await behind
            #expect(waiter != holder)
            #expect(!connections.isAwaited(index))
        }
    }

    @Test func theDirectorysReadsAndUnitsOfWorkRunOnTheTenantsConnection() async throws {
        try await TestDatabase.withFresh { client in
            try await TestDatabase.withTenantConnections(4, besides: client) { connections in
                try await waitUntilOpen(connections)
                let directory = TenantDirectory(
                    client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger, tenantConnections: connections)
                let tenant = try await directory.register(TenantRegistration(externalID: "reader", displayName: nil)).tenant.id
                try await directory.withTenant(tenant) { _ in }
                let own = try await connections.withConnection(for: tenant, shared: client, process)
                let reading = try await directory.read(tenant) { schema in
                    "SELECT pg_backend_pid() FROM (SELECT count(*) FROM \(unescaped: schema.table("invoices"))) AS invoices"
                } decode: { rows in
                    try await rows.decode(Int32.self).collect().first
                }
                #expect(reading == own)
                let (writing, searchPath) = try await directory.withTenant(tenant) { connection in
                    let rows = try await connection.query("SELECT pg_backend_pid(), current_setting('search_path')", logger: logger)
                    return try #require(try await rows.decode((Int32, String).self).collect().first)
                }
                #expect(writing == own)
                #expect(searchPath == tenant.schemaName)
                // The unit's setting ended with it: the connection is clean for its next tenant.
                let after = try await connections.withConnection(for: tenant, shared: client) { connection in
                    try await connection.query("SELECT current_setting('search_path')", logger: logger).decode(String.self).collect().first
                }
                #expect(after != tenant.schemaName)
            }
        }
    }

    @Test func aConnectionTheServerEndsIsReplacedAndItsTenantsMeanwhileUseTheSharedPool() async throws {
        try await TestDatabase.withFresh { client in
            try await TestDatabase.withTenantConnections(2, besides: client) { connections in
                try await waitUntilOpen(connections)
                let tenant = TenantID.random()
                let first = try await connections.withConnection(for: tenant, shared: client, process)
                // Waits up to 5 s for the server process to end.
                let ended = try await client.withConnection { connection in
                    try await connection.query("SELECT pg_terminate_backend(\(first), 5000)", logger: logger).decode(Bool.self).collect().first
                }
                #expect(ended == true)
                // Once the client has seen the close (a statement already on the connection fails,
                // as on a pooled one), every statement is answered while it is opened again.
                let index = TenantConnections.index(of: tenant, among: 2)
                var waited = 0
                while connections.isOpen(index), waited < 250 {
                    try await Task.sleep(for: .milliseconds(20))
                    waited += 1
                }
                try #require(!connections.isOpen(index))
                var meanwhile: [Int32] = []
                while !connections.isOpen(index), meanwhile.count < 250 {
                    meanwhile.append(try await connections.withConnection(for: tenant, shared: client, process))
                    try await Task.sleep(for: .milliseconds(20))
                }
                try #require(connections.isOpen(index))
                #expect(!meanwhile.isEmpty)
                #expect(!meanwhile.contains(first))
                let replacement = try await connections.withConnection(for: tenant, shared: client, process)
                #expect(replacement != first)
                #expect(try await connections.withConnection(for: tenant, shared: client, process) == replacement)
            }
        }
    }

    @Test func aConnectionThatCannotBeOpenedSendsItsTenantsToTheSharedPool() async throws {
        try await TestDatabase.withFresh { client in
            // Nothing listens on port 9: every attempt fails, and no statement waits for one.
            let nowhere = PostgresConnection.Configuration(host: "127.0.0.1", port: 9, username: "nobody", password: nil, database: nil, tls: .disable)
            let connections = TenantConnections(configuration: nowhere, count: 2, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await connections.run() }
                defer { group.cancelAll() }
                let shared = try await client.withConnection(process)
                for _ in 0..<20 {
                    #expect(try await connections.withConnection(for: .random(), shared: client, process) == shared)
                }
                #expect(!connections.isOpen(0) && !connections.isOpen(1))
            }
        }
    }

    @Test func withNoConnectionsToKeepTheServiceRunsUntilTheShutdown() async throws {
        let connections = TenantConnections(
            configuration: .init(host: "127.0.0.1", port: 9, username: "nobody", password: nil, database: nil, tls: .disable), count: 0, logger: logger)
        let group = ServiceGroup(services: [connections], logger: logger)
        let finished = Flag()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                try await group.run()
                finished.raise()
            }
            try await Task.sleep(for: .milliseconds(300))
            // A service that returned on its own would have ended the group with an error by now.
            #expect(!finished.isRaised)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(finished.isRaised)
    }

    /// A shutdown ends the sleep between keep-alives early and closes each connection. A
    /// keep-alive that started on the connection the shutdown had just closed never ended (nor
    /// did the shutdown): postgres-nio drops a statement written to a closed connection without
    /// an answer. With a keep-alive due at every tick, each shutdown raced one; 48 rounds made
    /// at least one of them hang in each of nine runs of that code.
    @Test func aShutdownWhileAKeepAliveIsDueEnds() async throws {
        try await TestDatabase.withFresh { client in
            let configuration = try await TestDatabase.connectionConfiguration(besides: client)
            let rounds = (0..<48).map { _ in
                let connections = TenantConnections(configuration: configuration, count: 3, logger: logger, keepAliveInterval: .seconds(1))
                return (connections: connections, group: ServiceGroup(services: [connections], logger: logger), ended: Flag())
            }
            for round in rounds {
                // Not awaited by this test: a shutdown that never ends must fail it, not hang it.
                Task {
                    try await round.group.run()
                    round.ended.raise()
                }
            }
            try await waitUntil { rounds.allSatisfy { round in (0..<round.connections.count).allSatisfy(round.connections.isOpen) } }
            // From the first tick on, a keep-alive is due at every tick.
            try await Task.sleep(for: .milliseconds(1_200))
            for round in rounds {
                try await Task.sleep(for: .milliseconds(25))
                await round.group.triggerGracefulShutdown()
            }
            // Records the failure itself when a shutdown is still running after 10 s.
            _ = try await eventually("a shutdown did not end", timeout: .seconds(10)) { rounds.allSatisfy(\.ended.isRaised) }
        }
    }

    @Test func anIdleConnectionIsAskedWhetherItIsStillThere() async throws {
        try await TestDatabase.withFresh { client in
            try await TestDatabase.withTenantConnections(1, besides: client, keepAliveInterval: .seconds(1)) { connections in
                try await waitUntilOpen(connections)
                let own = try await connections.withConnection(for: .random(), shared: client) { connection in
                    let pid = try await process(connection)
                    try await connection.query("SELECT 'a statement of a tenant'", logger: logger)
                    return pid
                }
                var lastQuery: String?
                for _ in 0..<60 where lastQuery != "SELECT 1" {
                    try await Task.sleep(for: .milliseconds(100))
                    lastQuery = try await client.scalar("SELECT query FROM pg_stat_activity WHERE pid = \(own)", as: String.self)
                }
                #expect(lastQuery == "SELECT 1")
            }
        }
    }
}

/// A flag one task raises and another reads.
private final class Flag: Sendable {
    private let raised = Mutex(false)
    func raise() { raised.withLock { $0 = true } }
    var isRaised: Bool { raised.withLock { $0 } }
}
