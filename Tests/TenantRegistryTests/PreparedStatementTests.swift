import FolioTestSupport
import PostgresNIO
import Testing

@testable import TenantRegistry

@Suite struct PreparedStatementTests {
    struct Amount: PostgresPreparedStatement {
        typealias Row = PostgresRow
        static let sql = "SELECT amount FROM ledger WHERE id = $1"
        var id: Int32

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(id)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    /// A database of one connection, so that the session asked is the one that ran the
    /// statement, with a ledger holding 70 under id 1 and 90 under id 2.
    func withLedger(_ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        try await TestDatabase.withFresh(migrated: false, maximumConnections: 1) { client in
            try await client.query("CREATE TABLE ledger (id integer PRIMARY KEY, amount integer)", logger: TestDatabase.logger)
            try await client.query("INSERT INTO ledger VALUES (1, 70), (2, 90)", logger: TestDatabase.logger)
            try await body(client)
        }
    }

    @Test func onlyAPreparedStatementStaysOnItsConnection() async throws {
        try await withLedger { client in
            let kept: @Sendable () async throws -> [String] = {
                try await client.query("SELECT name FROM pg_prepared_statements", logger: TestDatabase.logger).decode(String.self).collect()
            }
            let unnamed = try await client.rows(of: Amount(id: 1), prepared: false, logger: TestDatabase.logger)
            #expect(try unnamed.map { try $0.decode(Int32.self) } == [70])
            #expect(try await kept() == [])

            for (id, amount) in [(Int32(1), Int32(70)), (2, 90)] {
                let named = try await client.rows(of: Amount(id: id), prepared: true, logger: TestDatabase.logger)
                #expect(try named.map { try $0.decode(Int32.self) } == [amount])
            }
            #expect(try await kept() == [Amount.name])
        }
    }

    @Test func aPreparedStatementAMigrationBrokeStillAnswers() async throws {
        try await withLedger { client in
            let before = try await client.rows(of: Amount(id: 1), prepared: true, logger: TestDatabase.logger)
            #expect(try before.map { try $0.decode(Int32.self) } == [70])
            // The prepared statement's result now has another type: PostgreSQL refuses to run it
            // as prepared ("cached plan must not change result type") from here on.
            try await client.query("ALTER TABLE ledger ALTER COLUMN amount TYPE bigint", logger: TestDatabase.logger)
            for _ in 0..<2 {
                let after = try await client.rows(of: Amount(id: 1), prepared: true, logger: TestDatabase.logger)
                #expect(try after.map { try $0.decode(Int64.self) } == [70])
            }
        }
    }
}
