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
}
