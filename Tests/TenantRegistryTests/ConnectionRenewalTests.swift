import FolioTestSupport
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

@testable import TenantRegistry

/// Renewing a pooled connection ends its PostgreSQL server process and loses no statement.
@Suite struct ConnectionRenewalTests {
    let logger = TestDatabase.logger

    func serverProcess(_ client: PostgresClient) async throws -> Int32 {
        try await client.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self).collect().first ?? 0
    }

    @Test func aRenewedConnectionEndsItsServerProcessWhileOtherStatementsGoOn() async throws {
        try await TestDatabase.withFresh(migrated: false, maximumConnections: 2) { client in
            // Statements keep running on the pool, from before the first renewal to after the last.
            let renewing = Flag()
            let (issued, answered) = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        var (issued, answered) = (0, 0)
                        while renewing.value.load(ordering: .relaxed) || issued < 50 {
                            issued += 1
                            let rows = try await client.query("SELECT \(issued)::int", logger: logger)
                            if try await rows.decode(Int.self).collect() == [issued] { answered += 1 }
                        }
                        return (issued, answered)
                    }
                }
                var renewed: [Int32] = []
                for _ in 0..<3 {
                    try await Task.sleep(for: .milliseconds(20))
                    renewed.append(try await client.renewOneConnection(logger: logger))
                }
                renewing.value.store(false, ordering: .relaxed)
                #expect(renewed.allSatisfy { $0 > 0 })
                #expect(Set(renewed).count == 3, "each renewal ends a different server process")
                let gone = try await eventually("the renewed server processes have ended") {
                    let rows = try await client.query("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(\(renewed))", logger: logger)
                    return try await rows.decode(Int64.self).collect().first == 0
                }
                #expect(gone)
                return try await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
            }
            #expect(issued >= 100)
            #expect(answered == issued)
            #expect(try await serverProcess(client) > 0)
        }
    }
}

private final class Flag: Sendable {
    let value = Atomic(true)
}
