import FolioDomain
import Foundation
import Logging
import Metrics
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Connections each kept for a fixed share of the tenants, so that a tenant's statements keep
/// finding the server process that already knows its tables.
///
/// A PostgreSQL server process loads the catalog entries of each table the first time it reads
/// it, and keeps them for its life: about 0.3 ms of its CPU and 77 KB of its memory per tenant
/// (docs/scaling.md). A shared pool hands any connection to any tenant, so every busy connection
/// ends up paying that for every tenant. Here each tenant has one connection of its own among
/// `count`, picked from its id. A statement takes it only when it is open and idle, and the
/// shared pool's otherwise: a connection being opened again, or busy with another of its
/// tenants, never delays a statement.
///
/// `run()` opens the connections and keeps them open: it opens a closed one again, with a
/// growing pause while that fails, and queries an idle one every `keepAliveInterval` (closing it
/// when the answer takes 10 s) so that a connection the network dropped silently is found and
/// replaced before a statement needs it.
package final class TenantConnections: Service, Sendable {
    private struct Slot {
        var connection: PostgresConnection?
        var busy = false
    }

    package let count: Int
    private let configuration: PostgresConnection.Configuration
    private let keepAliveInterval: Duration
    private let keepAliveTimeout = Duration.seconds(10)
    private let logger: Logger
    private let slots: Mutex<[Slot]>
    /// Statements that found their tenant's connection open and idle, and those that took the
    /// shared pool: many of the second mean too few connections for the tenants' concurrency (or
    /// connections that cannot be opened, which the log says).
    private let ownTaken = Counter(label: "folio_tenant_connection_statements_total", dimensions: [("connection", "own")])
    private let sharedTaken = Counter(label: "folio_tenant_connection_statements_total", dimensions: [("connection", "shared")])

    package init(configuration: PostgresConnection.Configuration, count: Int, logger: Logger, keepAliveInterval: Duration = .seconds(30)) {
        self.count = max(0, count)
        self.configuration = configuration
        self.keepAliveInterval = keepAliveInterval
        self.logger = logger
        self.slots = Mutex(Array(repeating: Slot(), count: max(0, count)))
    }

    /// The connection `tenant` always gets among `count`: bits of its id that are random in every
    /// UUID version 4 (byte 8's top two bits are the variant, hence the shift), so the tenants
    /// spread evenly and each keeps its place while `count` stays the same.
    package static func index(of tenant: TenantID, among count: Int) -> Int {
        precondition(count > 0, "no connections to choose among")
        let bits = withUnsafeBytes(of: tenant.rawValue.uuid) { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
        return Int((bits >> 8) % UInt64(count))
    }

    /// The id the connection of slot `index` logs under (`psql_connection_id`): -1 for the first
    /// slot, -2 for the second, and so on, so that a log line of a tenant connection is never
    /// taken for one of the shared pool's, whose ids count up from 0.
    package static func connectionID(ofSlot index: Int) -> Int { -(index + 1) }

    /// Runs `body` on the tenant's own connection if it is open and idle, else on one of `shared`.
    package func withConnection<Result>(
        for tenant: TenantID,
        shared: PostgresClient,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        guard count > 0 else { return try await shared.withConnection(body) }
        let index = Self.index(of: tenant, among: count)
        guard let connection = take(index) else {
            sharedTaken.increment()
            return try await shared.withConnection(body)
        }
        ownTaken.increment()
        defer { give(index) }
        return try await body(connection)
    }

    /// The open connection of slot `index`, marked busy, or `nil` when it has none or it is busy.
    private func take(_ index: Int) -> PostgresConnection? {
        slots.withLock { slots in
            guard !slots[index].busy, let connection = slots[index].connection, !connection.isClosed else { return nil }
            slots[index].busy = true
            return connection
        }
    }

    private func give(_ index: Int) {
        slots.withLock { $0[index].busy = false }
    }

    /// Whether slot `index` holds an open connection; for tests.
    package func isOpen(_ index: Int) -> Bool {
        slots.withLock { $0[index].connection.map { !$0.isClosed } ?? false }
    }

    /// Keeps every connection open until a graceful shutdown or cancellation, then closes them.
    /// With no connections to keep, it waits for the shutdown all the same: a service that
    /// returns early would end the application.
    package func run() async {
        guard count > 0 else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for index in 0..<self.count {
                    group.addTask { await self.keepOpen(index) }
                }
            }
        }
    }

    private func keepOpen(_ index: Int) async {
        let id = Self.connectionID(ofSlot: index)
        let shortest = Duration.milliseconds(100)
        var pause = shortest
        // A server that refuses, or ends each connection as soon as it is open, must not be asked
        // again at once, over and over: the pause grows until a connection lasts.
        func waitLonger() async {
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(30))
        }
        while !Task.isCancelled {
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
            } catch {
                if Task.isCancelled { return }
                // Its tenants' statements take the shared pool meanwhile.
                var metadata: Logger.Metadata = ["psql_connection_id": "\(id)", "error.type": "\(type(of: error))"]
                if let error = error as? PSQLError { metadata["error.code"] = "\(error.code)" }
                logger.warning("a tenant connection could not be opened", metadata: metadata)
                await waitLonger()
                continue
            }
            let opened = ContinuousClock.now
            slots.withLock { $0[index].connection = connection }
            await withTaskCancellationHandler {
                await watch(connection, index)
            } onCancel: {
                // Ends a keep-alive query still waiting, so that a shutdown never waits for it.
                Self.close(connection)
            }
            slots.withLock { $0[index].connection = nil }
            try? await connection.close()
            if opened.duration(to: .now) >= keepAliveInterval {
                pause = shortest
            } else {
                await waitLonger()
            }
        }
    }

    /// Returns once `connection` is closed, fails or outlasts its keep-alive query, or the task
    /// is cancelled. Checked every second; a statement never gets a connection known to be closed.
    private func watch(_ connection: PostgresConnection, _ index: Int) async {
        var sinceQuery = Duration.zero
        while !Task.isCancelled, !connection.isClosed {
            try? await Task.sleep(for: .seconds(1))
            sinceQuery += .seconds(1)
            guard sinceQuery >= keepAliveInterval else { continue }
            // A busy connection is answering a statement; an idle one is asked.
            guard take(index) != nil else { continue }
            defer { give(index) }
            sinceQuery = .zero
            guard await answers(connection) else {
                // Out of the slot before it is given back, so no statement takes it meanwhile.
                slots.withLock { $0[index].connection = nil }
                return
            }
        }
    }

    /// Whether `connection` answers `SELECT 1` within `keepAliveTimeout`. A connection the network
    /// dropped silently would leave the query waiting for TCP to give up (many minutes); it is
    /// closed instead, which ends the query.
    private func answers(_ connection: PostgresConnection) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [logger] in (try? await connection.query("SELECT 1", logger: logger)) != nil }
            group.addTask { [keepAliveTimeout] in
                try? await Task.sleep(for: keepAliveTimeout)
                return false
            }
            let answered = await group.next() ?? false
            if !answered { Self.close(connection) }
            group.cancelAll()
            return answered
        }
    }

    /// Closes `connection` without waiting for it to be closed.
    private static func close(_ connection: PostgresConnection) {
        let _: EventLoopFuture<Void> = connection.close()
    }
}
