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
/// `count`, picked from its id. A statement takes it when it is open and idle, and the shared
/// pool's otherwise, with one exception: when the connection is busy with a single read of
/// another of its tenants, and the read's tenant has not taken the shared pool lately, one read
/// waits for the other to end. That read ends within a round trip and awaits nothing the waiting
/// one could hold, while the shared pool would most likely load the tenant's tables into one
/// more server process (with one connection per tenant and no waiting, a quarter of the reads of
/// many tenants from 8 clients did). A tenant that took the shared pool lately is most likely
/// known there already, so it does not wait. A read that is still waiting after `longestWait`
/// takes the shared pool after all: a read that holds the connection for that long is waiting
/// for something itself (a lock a migration holds, say), and another tenant must not wait with
/// it. Nothing else delays a statement: a unit of work never waits (its commits carry the
/// latency of writes), nor does anything wait for one, nor for a second waiter, nor for a
/// connection being opened again.
///
/// `run()` opens the connections and keeps them open: it opens a closed one again, with a
/// growing pause while that fails, and queries an idle one every `keepAliveInterval` (closing it
/// when the answer takes 10 s) so that a connection the network dropped silently is found and
/// replaced before a statement needs it.
package final class TenantConnections: Service, Sendable {
    /// How a caller holds its tenant's connection.
    package enum Use: Sendable {
        /// One statement and the decoding of its rows, with nothing else awaited meanwhile: no
        /// other connection, no lock. Only such a read waits, and only for another such read.
        case singleRead
        /// Anything else, such as a unit of work's several round trips.
        case other
    }

    /// A single read waiting for the single read that holds its connection.
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<PostgresConnection?, Never>
    }

    private struct Slot {
        var connection: PostgresConnection?
        /// How the connection is held, or `nil` while it is idle.
        var heldFor: Use?
        /// The one read waiting for the single read that holds the connection.
        var waiter: Waiter?
    }

    private struct State {
        var slots: [Slot]
        /// Tenants whose statements took the shared pool lately, by `Self.mark(of:)`: each in
        /// the place its mark picks, where a later tenant picking that place replaces it.
        var recentlyShared = [UInt64](repeating: 0, count: 1024)

        func tookSharedLately(_ mark: UInt64) -> Bool {
            recentlyShared[Int(mark % UInt64(recentlyShared.count))] == mark
        }

        mutating func rememberShared(_ mark: UInt64) {
            recentlyShared[Int(mark % UInt64(recentlyShared.count))] = mark
        }
    }

    private enum Taking {
        case own(PostgresConnection)
        case shared
        /// Behind the read on this connection.
        case waiting(PostgresConnection)
    }

    package let count: Int
    private let configuration: PostgresConnection.Configuration
    private let keepAliveInterval: Duration
    private let keepAliveTimeout = Duration.seconds(10)
    /// How long a read waits for another read on its tenant's connection at most.
    private let longestWait: TimeAmount
    package static let defaultLongestWait = Duration.milliseconds(20)
    private let logger: Logger
    private let state: Mutex<State>
    private let waiterIDs = Atomic<UInt64>(0)
    /// Statements that ran on their tenant's connection, and those that took the shared pool:
    /// many of the second mean too few connections for the tenants' concurrency (or connections
    /// that cannot be opened, which the log says).
    private let ownTaken = Counter(label: "folio_tenant_connection_statements_total", dimensions: [("connection", "own")])
    private let sharedTaken = Counter(label: "folio_tenant_connection_statements_total", dimensions: [("connection", "shared")])
    /// Statements that waited for a read on their tenant's connection to end (then counted as
    /// either of the above, by the connection they ran on).
    private let waited = Counter(label: "folio_tenant_connection_waits_total")

    package init(
        configuration: PostgresConnection.Configuration, count: Int, logger: Logger, keepAliveInterval: Duration = .seconds(30),
        longestWait: Duration = defaultLongestWait
    ) {
        self.count = max(0, count)
        self.configuration = configuration
        self.keepAliveInterval = keepAliveInterval
        self.longestWait = TimeAmount(longestWait)
        self.logger = logger
        self.state = Mutex(State(slots: Array(repeating: Slot(), count: max(0, count))))
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

    /// A tenant's entry in `State.recentlyShared`: random bits of its id, never 0 (an empty place).
    private static func mark(of tenant: TenantID) -> UInt64 {
        withUnsafeBytes(of: tenant.rawValue.uuid) { $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self) } | 1
    }

    /// Runs `body` on the tenant's own connection if it is open and idle, or (for a single read)
    /// once the single read that holds it ends (see above), else on one of `shared`. `use` says
    /// how `body` holds the connection: `.singleRead` only when it runs one statement and awaits
    /// nothing else.
    package func withConnection<Result>(
        for tenant: TenantID,
        shared: PostgresClient,
        use: Use = .other,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        guard count > 0 else { return try await shared.withConnection(body) }
        let index = Self.index(of: tenant, among: count)
        let mark = Self.mark(of: tenant)
        let connection: PostgresConnection?
        switch take(index, for: use, mark: mark, waiting: nil) {
        case .own(let idle):
            connection = idle
        case .shared:
            connection = nil
        case .waiting(let busy):
            waited.increment()
            connection = await waitFor(index, on: busy.eventLoop, mark: mark)
        }
        guard let connection else {
            sharedTaken.increment()
            state.withLock { $0.rememberShared(mark) }
            return try await shared.withConnection(body)
        }
        ownTaken.increment()
        defer { give(index) }
        return try await body(connection)
    }

    /// Slot `index`'s open connection if it is idle, now held for `use`; otherwise whether the
    /// statement of the tenant of `mark` is to wait for it (never without one), in which case
    /// `waiting` (when given) becomes the slot's waiter.
    private func take(_ index: Int, for use: Use, mark: UInt64?, waiting: Waiter?) -> Taking {
        state.withLock { state in
            guard let connection = state.slots[index].connection, !connection.isClosed else { return .shared }
            guard let heldFor = state.slots[index].heldFor else {
                state.slots[index].heldFor = use
                return .own(connection)
            }
            guard use == .singleRead, heldFor == .singleRead, state.slots[index].waiter == nil, let mark, !state.tookSharedLately(mark)
            else { return .shared }
            if let waiting { state.slots[index].waiter = waiting }
            return .waiting(connection)
        }
    }

    /// The connection of slot `index` once the read that holds it gives it over, or `nil` for the
    /// shared pool: the slot lost its connection meanwhile, another statement became its waiter
    /// first, the wait reached `longestWait` (timed on `eventLoop`, the connection's), or the
    /// task was cancelled.
    private func waitFor(_ index: Int, on eventLoop: any EventLoop, mark: UInt64) async -> PostgresConnection? {
        let id = waiterIDs.add(1, ordering: .relaxed).newValue
        let timeout = eventLoop.scheduleTask(in: longestWait) { self.stopWaiting(index, id: id) }
        defer { timeout.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Cancelled before it became the waiter: the handler below found nothing to end.
                guard !Task.isCancelled else { return continuation.resume(returning: nil) }
                switch take(index, for: .singleRead, mark: mark, waiting: Waiter(id: id, continuation: continuation)) {
                case .own(let idle): continuation.resume(returning: idle)
                case .shared: continuation.resume(returning: nil)
                case .waiting: break
                }
            }
        } onCancel: {
            stopWaiting(index, id: id)
        }
    }

    /// Sends waiter `id` of slot `index`, if it still waits, to the shared pool.
    private func stopWaiting(_ index: Int, id: UInt64) {
        let abandoned = state.withLock { state -> Waiter? in
            guard let waiter = state.slots[index].waiter, waiter.id == id else { return nil }
            state.slots[index].waiter = nil
            return waiter
        }
        abandoned?.continuation.resume(returning: nil)
    }

    /// Marks slot `index` idle, or hands its connection straight to the statement waiting for it.
    private func give(_ index: Int) {
        let handedOver = state.withLock { state -> (Waiter, PostgresConnection?)? in
            guard let waiter = state.slots[index].waiter else {
                state.slots[index].heldFor = nil
                return nil
            }
            state.slots[index].waiter = nil
            guard let connection = state.slots[index].connection, !connection.isClosed else {
                state.slots[index].heldFor = nil
                return (waiter, nil)
            }
            state.slots[index].heldFor = .singleRead
            return (waiter, connection)
        }
        if let (waiter, connection) = handedOver { waiter.continuation.resume(returning: connection) }
    }

    /// Whether slot `index`'s connection is held; for tests.
    package func isHeld(_ index: Int) -> Bool {
        state.withLock { $0.slots[index].heldFor != nil }
    }

    /// Whether a statement waits for slot `index`'s connection; for tests.
    package func isAwaited(_ index: Int) -> Bool {
        state.withLock { $0.slots[index].waiter != nil }
    }

    /// Whether slot `index` holds an open connection; for tests.
    package func isOpen(_ index: Int) -> Bool {
        state.withLock { $0.slots[index].connection.map { !$0.isClosed } ?? false }
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
            state.withLock { $0.slots[index].connection = connection }
            await withTaskCancellationHandler {
                await watch(connection, index)
            } onCancel: {
                // Ends a keep-alive query still waiting, so that a shutdown never waits for it.
                Self.close(connection)
            }
            state.withLock { $0.slots[index].connection = nil }
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
            // A cancellation ends the sleep early and closes the connection: no keep-alive then.
            guard !Task.isCancelled else { return }
            sinceQuery += .seconds(1)
            guard sinceQuery >= keepAliveInterval else { continue }
            // A busy connection is answering a statement; an idle one is asked.
            guard case .own = take(index, for: .other, mark: nil, waiting: nil) else { continue }
            defer { give(index) }
            sinceQuery = .zero
            guard await answers(connection) else {
                // Out of the slot before it is given back, so no statement takes it meanwhile.
                state.withLock { $0.slots[index].connection = nil }
                return
            }
        }
    }

    /// Whether `connection` answers `SELECT 1` within `keepAliveTimeout`, closing it when it does
    /// not: a connection the network dropped silently would leave the query waiting for TCP to
    /// give up (many minutes), and the close ends the query. A cancellation answers `false` at
    /// once. The query runs in a task that nothing waits for: postgres-nio never ends a statement
    /// written to a connection that closed just before, and such a query must hold up neither
    /// this slot's watch nor a shutdown.
    private func answers(_ connection: PostgresConnection) async -> Bool {
        let answer = FirstAnswer()
        let timeout = connection.eventLoop.scheduleTask(in: TimeAmount(keepAliveTimeout)) { answer.give(false) }
        defer { timeout.cancel() }
        Task { [logger] in answer.give((try? await connection.query("SELECT 1", logger: logger)) != nil) }
        let answered = await withTaskCancellationHandler {
            await answer.value
        } onCancel: {
            answer.give(false)
        }
        if !answered { Self.close(connection) }
        return answered
    }

    /// Closes `connection` without waiting for it to be closed.
    private static func close(_ connection: PostgresConnection) {
        let _: EventLoopFuture<Void> = connection.close()
    }
}

/// The first of several answers to one question; the later ones are dropped.
private final class FirstAnswer: Sendable {
    private enum State {
        case open
        case awaited(CheckedContinuation<Bool, Never>)
        case given(Bool)
    }

    private let state = Mutex(State.open)

    /// Gives `answer` unless one was given before.
    func give(_ answer: Bool) {
        let waiting = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            switch state {
            case .open:
                state = .given(answer)
                return nil
            case .awaited(let continuation):
                state = .given(answer)
                return continuation
            case .given:
                return nil
            }
        }
        waiting?.resume(returning: answer)
    }

    /// The first answer, once it is given.
    var value: Bool {
        get async {
            await withCheckedContinuation { continuation in
                let given = state.withLock { state -> Bool? in
                    if case .given(let answer) = state { return answer }
                    state = .awaited(continuation)
                    return nil
                }
                if let given { continuation.resume(returning: given) }
            }
        }
    }
}
