import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// A request cut short by a crash must not hold its `Idempotency-Key` for the whole lease.
@Suite struct CrashRecoveryTests {
    /// Makes the key's record look like a request still running on `owner`, a replica whose last
    /// heartbeat is `heartbeatAge` seconds old (none at all when nil).
    static func interrupt(_ api: TestAPI, tenant: String, key: String, owner: UUID, heartbeatAge: Int?) async throws {
        if let heartbeatAge {
            try await api.database.query(
                "INSERT INTO folio.replicas (id, heartbeat_at) VALUES (\(owner), now() - \(heartbeatAge) * interval '1 second')",
                logger: TestDatabase.logger
            )
        }
        try await api.database.query(
            """
            UPDATE \(unescaped: TestAPI.schema(of: tenant)).idempotency_records
            SET response_status = NULL, response_body = NULL, locked_until = now() + interval '120 seconds', owner_replica = \(owner)
            WHERE idempotency_key = \(key)
            """,
            logger: TestDatabase.logger
        )
    }

    @Test(arguments: [3600, nil] as [Int?])
    func aKeyHeldByADeadReplicaIsTakenOverAtOnce(heartbeatAge: Int?) async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("crashed")
            let first = try await api.createInvoice(tenant, idempotencyKey: "crash-1")
            #expect(first.status == .created)
            try await Self.interrupt(api, tenant: tenant, key: "crash-1", owner: UUID(), heartbeatAge: heartbeatAge)
            // The replica that ran it is gone: the retry resumes the invoice instead of a 409.
            let retry = try await api.createInvoice(tenant, idempotencyKey: "crash-1")
            #expect(retry.status == .created)
            let firstID = try first.json()["id"] as? String
            #expect(try retry.json()["id"] as? String == firstID)
            #expect(await api.providerOrderCount(merchantID: merchantID) == 1)
            #expect(try await api.invoiceCount(tenant) == 1)
        }
    }

    @Test func aKeyHeldByALiveReplicaStillAnswersInFlight() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("slow")
            #expect(try await api.createInvoice(tenant, idempotencyKey: "slow-1").status == .created)
            try await Self.interrupt(api, tenant: tenant, key: "slow-1", owner: UUID(), heartbeatAge: 0)
            let retry = try await api.createInvoice(tenant, idempotencyKey: "slow-1")
            #expect(retry.status == .conflict)
            #expect(retry.problemCode == "idempotency_key_in_flight")
        }
    }
}
