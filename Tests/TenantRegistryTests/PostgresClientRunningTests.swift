import FolioTestSupport
import PostgresNIO
import TenantRegistry
import Testing

/// `PostgresClient.run(in:)`: the pool is running by the time it returns, so a statement right
/// after it leases a connection without postgres-nio's "run() hasn't been called yet" warning.
@Suite struct PostgresClientRunningTests {
    static let notRunning = "hasn't been called yet"

    @Test func aStatementRightAfterRunInAThrowingGroupFindsThePoolRunning() async throws {
        let logs = CapturedLogs()
        let client = PostgresClient(configuration: try TestDatabase.serverConfiguration(), backgroundLogger: logs.logger(label: "test.pool"))
        let answer = try await withThrowingTaskGroup(of: Void.self) { group in
            client.run(in: &group)
            defer { group.cancelAll() }
            return try await client.scalar("SELECT 1", as: Int32.self)
        }
        #expect(answer == 1)
        #expect(!logs.text.contains(Self.notRunning), "\(logs.text)")
    }

    @Test func aStatementRightAfterRunInAGroupFindsThePoolRunning() async throws {
        let logs = CapturedLogs()
        let client = PostgresClient(configuration: try TestDatabase.serverConfiguration(), backgroundLogger: logs.logger(label: "test.pool"))
        let answer = await withTaskGroup(of: Void.self) { group in
            client.run(in: &group)
            defer { group.cancelAll() }
            return try? await client.scalar("SELECT 1", as: Int32.self)
        }
        #expect(answer == 1)
        #expect(!logs.text.contains(Self.notRunning), "\(logs.text)")
    }
}
