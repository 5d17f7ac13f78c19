import FolioTestSupport
import Foundation
import PostgresNIO
import Synchronization
import Testing

@testable import TenantRegistry

/// `PostgresConnection.inTransaction(logger:startingWith:_:)`, whose `BEGIN` is not awaited
/// before the first statement is written: the first statement and the body are still one
/// transaction, which commits, or rolls back whole, and leaves the connection outside any
/// transaction either way.
@Suite struct QueuedBeginTransactionTests {
    struct Refused: Error, Equatable {}

    /// A database of one connection, so that each check after a unit asks the session that ran
    /// it, with an empty ledger.
    func withLedger(_ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        try await TestDatabase.withFresh(migrated: false, maximumConnections: 1) { client in
            try await client.query("CREATE TABLE ledger (id integer PRIMARY KEY)", logger: TestDatabase.logger)
            try await body(client)
        }
    }

    static func ids(_ client: PostgresClient) async throws -> [Int32] {
        try await client.query("SELECT id FROM ledger ORDER BY id", logger: TestDatabase.logger).decode(Int32.self).collect()
    }

    /// Outside a transaction, each statement is a transaction of its own, with its own id; a
    /// transaction left open would give both the same one, and an aborted one would refuse both.
    static func isOutsideTransaction(_ client: PostgresClient) async throws -> Bool {
        var ids: [Int64] = []
        for _ in 0..<2 {
            ids += try await client.query("SELECT txid_current()", logger: TestDatabase.logger).decode(Int64.self).collect()
        }
        return ids.count == 2 && ids[0] != ids[1]
    }

    @Test func theFirstStatementAndTheBodyAreOneTransactionThatCommits() async throws {
        try await withLedger { client in
            let (firstStarted, bodyStarted, setting) = try await client.withConnection { connection in
                try await connection.inTransaction(logger: TestDatabase.logger) { connection in
                    let rows = try await connection.query(
                        "INSERT INTO ledger VALUES (1) RETURNING now(), set_config('folio.unit', 'first', true)", logger: TestDatabase.logger)
                    return try await rows.decode((Date, String).self).collect()[0].0
                } _: { connection, firstStarted in
                    try await connection.query("INSERT INTO ledger VALUES (2)", logger: TestDatabase.logger)
                    let rows = try await connection.query("SELECT now(), current_setting('folio.unit')", logger: TestDatabase.logger)
                    let (bodyStarted, setting) = try await rows.decode((Date, String).self).collect()[0]
                    return (firstStarted, bodyStarted, setting)
                }
            }
            // now() is the transaction's start, and a local setting lasts to its end.
            #expect(firstStarted == bodyStarted)
            #expect(setting == "first")
            let ids = try await Self.ids(client)
            let outside = try await Self.isOutsideTransaction(client)
            #expect(ids == [1, 2])
            #expect(outside)
        }
    }

    @Test func aBodyThatThrowsRollsBackTheFirstStatementTooAndItsErrorIsTheCallers() async throws {
        try await withLedger { client in
            await #expect(throws: Refused()) {
                try await client.withConnection { connection in
                    try await connection.inTransaction(logger: TestDatabase.logger) { connection in
                        try await connection.query("INSERT INTO ledger VALUES (1)", logger: TestDatabase.logger)
                    } _: { connection, _ in
                        try await connection.query("INSERT INTO ledger VALUES (2)", logger: TestDatabase.logger)
                        throw Refused()
                    }
                }
            }
            let ids = try await Self.ids(client)
            let outside = try await Self.isOutsideTransaction(client)
            #expect(ids == [])
            #expect(outside)
        }
    }

    @Test func aFirstStatementThatFailsRunsNoBodyAndLeavesNoTransactionOpen() async throws {
        try await withLedger { client in
            try await client.query("INSERT INTO ledger VALUES (1)", logger: TestDatabase.logger)
            let bodyRan = Flag()
            await #expect(throws: PSQLError.self) {
                try await client.withConnection { connection in
                    try await connection.inTransaction(logger: TestDatabase.logger) { connection in
                        // A duplicate key.
                        try await connection.query("INSERT INTO ledger VALUES (1)", logger: TestDatabase.logger)
                    } _: { _, _ in
                        bodyRan.set()
                    }
                }
            }
            #expect(!bodyRan.isSet)
            let ids = try await Self.ids(client)
            let outside = try await Self.isOutsideTransaction(client)
            #expect(ids == [1])
            #expect(outside)
        }
    }
}

/// Whether a closure ran, across the tasks of a test.
private final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
