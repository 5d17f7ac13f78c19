import FolioDomain
import FolioTestSupport
import Foundation
import PostgresNIO
import Testing

@testable import TenantRegistry

/// Each tenant's statements go to a connection kept for its share of the tenants while that
/// connection is free, and to the shared pool otherwise.
@Suite struct TenantConnectionsTests {
    let logger = TestDatabase.logger

    /// For pools that are never run: these tests only compare which pool a statement was given.
    static var nowhere: PostgresClient.Configuration {
        .init(host: "127.0.0.1", port: 9, username: "nobody", password: nil, database: nil, tls: .disable)
    }

    static let ownStatements = #"folio_tenant_connection_statements_total{connection="own"}"#
    static let sharedStatements = #"folio_tenant_connection_statements_total{connection="shared"}"#

    @Test func aTenantKeepsItsPlaceAndTheTenantsSpreadEvenly() {
        var counts = Array(repeating: 0, count: 8)
        for _ in 0..<8000 {
            let tenant = TenantID.random()
            let index = TenantConnections.index(of: tenant, among: 8)
            #expect(TenantConnections.index(of: tenant, among: 8) == index)
            counts[index] += 1
        }
        // 1,000 each on average; a spread of ±200 is more than six standard deviations.
        #expect(counts.allSatisfy { (800...1200).contains($0) }, "\(counts)")
        let tenant = TenantID.random()
        #expect((0..<3).contains(TenantConnections.index(of: tenant, among: 3)))
        #expect(TenantConnections.index(of: tenant, among: 1) == 0)
    }

    @Test func aStatementNeverWaitsForItsTenantsConnection() async throws {
        // Counted only once the metrics are bootstrapped; other tests may add to the counts meanwhile.
        _ = TestMetrics.registry
        let ownBefore = TestMetrics.counter(Self.ownStatements)
        let sharedBefore = TestMetrics.counter(Self.sharedStatements)
        let connections = TenantConnections(configuration: Self.nowhere, count: 4, logger: logger)
        let shared = PostgresClient(configuration: Self.nowhere, backgroundLogger: logger)
        let tenant = TenantID.random()
        let own = connections.clients[TenantConnections.index(of: tenant, among: 4)]
        let other = try #require(
            (0..<100).lazy.map { _ in TenantID.random() }.first {
                TenantConnections.index(of: $0, among: 4) != TenantConnections.index(of: tenant, among: 4)
            })
        try await connections.withClient(for: tenant, shared: shared) { outer in
            #expect(outer === own)
            // Held: the same tenant's next statement takes the shared pool; another tenant its own.
            try await connections.withClient(for: tenant, shared: shared) { inner in #expect(inner === shared) }
            try await connections.withClient(for: other, shared: shared) { inner in
                #expect(inner === connections.clients[TenantConnections.index(of: other, among: 4)])
            }
        }
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await connections.withClient(for: tenant, shared: shared) { _ in throw Refused() }
        }
        // Given back after a throw as after a return.
        try await connections.withClient(for: tenant, shared: shared) { client in #expect(client === own) }
        let none = TenantConnections(configuration: Self.nowhere, count: 0, logger: logger)
        try await none.withClient(for: tenant, shared: shared) { client in #expect(client === shared) }
        #expect(TestMetrics.counter(Self.ownStatements) >= ownBefore + 4)
        #expect(TestMetrics.counter(Self.sharedStatements) >= sharedBefore + 1)
    }

    @Test func aTenantsReadsAndUnitsOfWorkKeepToOneServerProcess() async throws {
        try await TestDatabase.withFresh { client in
            try await TestDatabase.withTenantConnections(4, besides: client) { connections in
                let directory = TenantDirectory(
                    client: client, tenantMigrations: TestDatabase.migrations.tenant, logger: logger, tenantConnections: connections)
                var tenants: [TenantID] = []
                for name in ["first", "second", "third", "fourth", "fifth", "sixth"] {
                    let tenant = try await directory.register(TenantRegistration(externalID: name, displayName: nil)).tenant.id
                    try await directory.withTenant(tenant) { _ in }
                    tenants.append(tenant)
                }
                let tenant = tenants[0]
                func readingProcess(_ tenant: TenantID) async throws -> Int32 {
                    try await directory.read(tenant) { schema in
                        "SELECT pg_backend_pid() FROM (SELECT count(*) FROM \(unescaped: schema.table("invoices"))) AS invoices"
                    } decode: { rows in
                        try #require(try await rows.decode(Int32.self).collect().first)
                    }
                }
                let process = try await readingProcess(tenant)
                for _ in 0..<5 { #expect(try await readingProcess(tenant) == process) }
                let writingProcess = try await directory.withTenant(tenant) { connection in
                    try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self).collect().first
                }
                #expect(writingProcess == process)
                // While the unit of work holds the tenant's connection, its reads go on elsewhere.
                let (held, readMeanwhile) = try await directory.withTenant(tenant) { connection in
                    let held = try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self).collect().first
                    return (held, try await readingProcess(tenant))
                }
                #expect(held == process)
                #expect(readMeanwhile != process)
                // Tenants with other places read on other processes, each always the same one.
                var processes: [Int: Int32] = [:]
                for other in tenants {
                    let index = TenantConnections.index(of: other, among: 4)
                    let seen = try await readingProcess(other)
                    #expect(processes[index, default: seen] == seen)
                    processes[index] = seen
                }
                #expect(Set(processes.values).count == processes.count)
            }
        }
    }
}
