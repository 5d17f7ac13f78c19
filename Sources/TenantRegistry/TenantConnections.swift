import FolioDomain
import Foundation
import Logging
import Metrics
import PostgresNIO
import Synchronization

/// Connections each reserved for a fixed share of the tenants, so that a tenant's statements keep
/// finding the server process that already knows its tables.
///
/// A PostgreSQL server process loads the catalog entries of each table the first time it reads
/// it, and keeps them for its life: about 0.3 ms of its CPU and 77 KB of its memory per tenant
/// (docs/scaling.md). A shared pool hands any connection to any tenant, so every busy connection
/// ends up paying that for every tenant. Here each tenant has one connection of its own among
/// `count`, picked from its id; a statement takes it when it is free and the shared pool's
/// otherwise, so that no statement ever waits for its tenant's connection.
package final class TenantConnections: Sendable {
    /// One pool of one connection each, which `buildApplication` (or the caller) runs.
    package let clients: [PostgresClient]
    private let busy: Mutex<[Bool]>
    /// Statements that found their tenant's connection free, and those that took the shared pool:
    /// many of the second mean too few connections for the tenants' concurrency.
    private let ownTaken = Counter(label: "folio_tenant_connection_statements_total", dimensions: [("connection", "own")])
    private let sharedTaken = Counter(label: "folio_tenant_connection_statements_total", dimensions: [("connection", "shared")])

    /// - Parameter configuration: the shared pool's; each of the `count` pools opens one
    ///   connection with it and keeps it open.
    package init(configuration: PostgresClient.Configuration, count: Int, logger: Logger) {
        var one = configuration
        one.options.maximumConnections = 1
        one.options.minimumConnections = 1
        clients = (0..<max(0, count)).map { _ in PostgresClient(configuration: one, backgroundLogger: logger) }
        busy = Mutex(Array(repeating: false, count: clients.count))
    }

    /// The connection `tenant` always gets among `count`: its id's random bits, so the tenants
    /// spread evenly and each keeps its place for as long as `count` does not change.
    package static func index(of tenant: TenantID, among count: Int) -> Int {
        let bits = withUnsafeBytes(of: tenant.rawValue.uuid) { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
        return Int(bits % UInt64(count))
    }

    /// Runs `body` with the tenant's own pool if no other statement holds it, else with `shared`.
    package func withClient<Result>(
        for tenant: TenantID,
        shared: PostgresClient,
        _ body: (PostgresClient) async throws -> Result
    ) async throws -> Result {
        guard !clients.isEmpty else { return try await body(shared) }
        let index = Self.index(of: tenant, among: clients.count)
        let taken = busy.withLock { busy in
            if busy[index] { return false }
            busy[index] = true
            return true
        }
        guard taken else {
            sharedTaken.increment()
            return try await body(shared)
        }
        ownTaken.increment()
        defer { busy.withLock { $0[index] = false } }
        return try await body(clients[index])
    }
}
