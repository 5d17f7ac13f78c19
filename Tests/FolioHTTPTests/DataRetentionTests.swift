import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxSandbox
import PostgresNIO
import StatusUpdater
import TenantRegistry
import Testing

@Suite(.serialized) struct DataRetentionTests {
    @Test func oldRecordsGoWhileRecentAndPendingOnesStayAndTheFeedGoesOn() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("retained")
            let schema = TestAPI.schema(of: tenant)
            let tenantID = try #require(UUID(uuidString: tenant))
            // Events 1 (invoicing.activated) and 2 (invoice.created).
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            // A tenant that never wrote has nothing to prune, and pruning must not make its schema.
            let quiet = try await api.createTenant("retained-quiet")
            let body = Data("{}".utf8)
            for _ in 0..<3 { try await api.notify(tenant, body: body, signature: nil) }
            try await api.database.query(
                """
                UPDATE \(unescaped: schema).notifications SET received_at = now() - interval '91 days'
                WHERE id IN (SELECT id FROM \(unescaped: schema).notifications LIMIT 2)
                """,
                logger: TestDatabase.logger
            )
            try await api.database.query(
                """
                INSERT INTO \(unescaped: schema).idempotency_records (idempotency_key, request_fingerprint, response_status, response_body, created_at)
                VALUES ('old', '\\x00', 201, '\\x00', now() - interval '91 days'), ('recent', '\\x00', 201, '\\x00', now() - interval '89 days')
                """,
                logger: TestDatabase.logger
            )
            // Event 1 was delivered long ago; event 2, as old, is still pending, with an old and a recent attempt.
            try await api.database.query(
                """
                UPDATE folio.events SET delivery = 'delivered', delivered_at = now() - interval '91 days', created_at = now() - interval '91 days'
                WHERE tenant_id = \(tenantID) AND sequence = 1
                """,
                logger: TestDatabase.logger
            )
            try await api.database.query(
                "UPDATE folio.events SET created_at = now() - interval '91 days' WHERE tenant_id = \(tenantID) AND sequence = 2",
                logger: TestDatabase.logger
            )
            try await api.database.query(
                """
                INSERT INTO folio.event_deliveries (event_id, attempt, started_at, duration_ms, http_status, outcome)
                SELECT id, n, now() - (CASE n WHEN 1 THEN interval '91 days' ELSE interval '1 day' END), 5, 500, 'retry'
                FROM folio.events, generate_series(1, 2) AS n WHERE tenant_id = \(tenantID) AND sequence IN (1, 2)
                """,
                logger: TestDatabase.logger
            )

            let tenants = TenantDirectory(client: api.database, tenantMigrations: TestDatabase.migrations.tenant, logger: TestDatabase.logger)
            let retention = DataRetention(client: api.database, tenants: tenants, days: 90, logger: TestDatabase.logger, batchSize: 1)
            // 2 notifications, 1 idempotency record, 1 delivered event, the old attempt of each event
            // (the delivered event's recent one goes with it).
            #expect(try await retention.runOnce() == 2 + 1 + 1 + 2)
            #expect(try await retention.runOnce() == 0)
            let quietSchema = TenantID(string: quiet)!.schemaName
            #expect(try await api.database.schemaExists(quietSchema) == false)

            #expect(try await api.notificationRowCount(tenant) == 1)
            #expect(
                try await api.database.scalar("SELECT string_agg(idempotency_key, ',') FROM \(unescaped: schema).idempotency_records", as: String.self)
                    == "recent")
            #expect(try await api.eventTypes(tenant) == ["invoice.created"])
            #expect(
                try await api.database.scalar(
                    "SELECT count(*) FROM folio.event_deliveries d JOIN folio.events e ON e.id = d.event_id WHERE e.tenant_id = \(tenantID)",
                    as: Int64.self
                ) == 1)

            // Numbering goes on after the deleted event, and the feed answers from any position.
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            let paid = try await api.notificationBody(invoice)
            #expect(try await api.notify(tenant, body: paid, signature: sign(paid, key: key))["status"] as? String == "success")
            let feed = try await api.send(.get, "/v1/tenants/\(tenant)/events?after=0").json()
            let sequences = (feed["items"] as? [[String: Any]] ?? []).compactMap { ($0["sequence"] as? NSNumber)?.intValue }
            #expect(sequences == [2, 3])
            let after = try await api.send(.get, "/v1/tenants/\(tenant)/events?after=2").json()
            #expect((after["items"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String } == ["invoice.paid"])
        }
    }
}
