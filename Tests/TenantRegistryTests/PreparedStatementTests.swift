import FolioTestSupport
import PostgresNIO
import Testing

@testable import TenantRegistry

@Suite struct PreparedStatementTests {
    struct Exclaim: PostgresPreparedStatement {
        typealias Row = PostgresRow
        static let sql = "SELECT $1::text || '!'"
        var text: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(text)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    @Test func onlyAPreparedStatementStaysOnItsConnection() async throws {
        // One connection, so that the session asked is the one that ran the statement.
        try await TestDatabase.withFresh(migrated: false, maximumConnections: 1) { client in
            let kept: @Sendable () async throws -> [String] = {
                try await client.query("SELECT name FROM pg_prepared_statements", logger: TestDatabase.logger).decode(String.self).collect()
            }
            let unnamed = try await client.rows(of: Exclaim(text: "once"), prepared: false, logger: TestDatabase.logger)
            #expect(try unnamed.map { try $0.decode(String.self) } == ["once!"])
            #expect(try await kept() == [])

            for text in ["a", "b"] {
                let named = try await client.rows(of: Exclaim(text: text), prepared: true, logger: TestDatabase.logger)
                #expect(try named.map { try $0.decode(String.self) } == [text + "!"])
            }
            #expect(try await kept() == [Exclaim.name])
        }
    }

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

    @Test func aPreparedStatementAMigrationBrokeStillAnswers() async throws {
        try await TestDatabase.withFresh(migrated: false, maximumConnections: 1) { client in
            try await client.query("CREATE TABLE ledger (id integer PRIMARY KEY, amount integer)", logger: TestDatabase.logger)
            try await client.query("INSERT INTO ledger VALUES (1, 70)", logger: TestDatabase.logger)
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
