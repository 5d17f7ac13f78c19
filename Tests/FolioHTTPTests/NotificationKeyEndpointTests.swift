import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxAdapter
import InvoiceboxSandbox
import NIOCore
import PaymentsPort
import PostgresNIO
import StatusUpdater
import TenantRegistry
import Testing

/// The shop's notification key after onboarding: set, rotated with a grace period, removed; and
/// the notifications verified with the algorithm the shop chose.
@Suite(.serialized) struct NotificationKeyEndpointTests {
    static func putKey(_ api: TestAPI, _ tenant: String, _ body: String, key: String?? = .none) async throws -> TestResponse {
        try await api.send(.put, "/v1/tenants/\(tenant)/invoicing/notification-key", key: key, json: body)
    }

    /// The monitoring test of the tenant's shop: its signature is checked, and no invoice is touched.
    static func monitoringTest(merchantID: String) -> Data {
        Data(
            #"{"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","status":"completed","merchantId":"\#(merchantID)","merchantOrderId":"","amount":1,"currencyId":"RUB"}"#
                .utf8)
    }

    static func sign(_ body: Data, _ key: String, _ algorithm: NotificationKey.Algorithm) -> String {
        NotificationSignature.sign(body, key: Secret(key), algorithm: algorithm)
    }

    @Test func aShopActivatedByInvitationSetsASHA256KeyAndTheProvidersNotificationsPass() async throws {
        try await TestAPI.run(listening: true) { api in
            let (tenant, merchantID) = try await api.activeTenant("sha256")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()["hasNotificationKey"] as? Bool == false)
            let key = "cabinet-key-\(UUID().uuidString)"
            let response = try await Self.putKey(api, tenant, #"{"key":"\#(key)","algorithm":"sha256"}"#)
            #expect(response.status == .ok)
            let state = try response.json()
            #expect(state["state"] as? String == "active")
            #expect(state["hasNotificationKey"] as? Bool == true)
            #expect(state["notificationKeyAlgorithm"] as? String == "sha256")
            #expect(state["previousNotificationKeyValidUntil"] == nil)

            // The shop enters the same key and algorithm in its cabinet.
            #expect(await api.sandbox.state.setNotificationKey(merchantID: merchantID, key: key, algorithm: .sha256))
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            try await eventually("the invoice was not paid") { try await api.invoiceStatus(invoice) == "paid" }
            let rows = try await api.database.query(
                "SELECT signature, verdict FROM \(unescaped: TestAPI.schema(of: tenant)).notifications", logger: TestDatabase.logger
            )
            #expect(try await rows.decode((String, String).self).collect().map { "\($0.0) \($0.1)" } == ["valid success"])

            // The same key with the default algorithm is not the shop's signature.
            let body = try await api.notificationBody(invoice)
            let sha1 = try await api.notify(tenant, body: body, signature: Self.sign(body, key, .sha1))
            #expect(sha1["code"] as? String == "signature_error")
            let sha256 = try await api.notify(tenant, body: body, signature: Self.sign(body, key, .sha256))
            #expect(sha256["status"] as? String == "success")
        }
    }

    @Test func aRotatedKeyVerifiesWithItsOwnAlgorithmUntilItsGracePeriodEnds() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("rotation")
            #expect(try await Self.putKey(api, tenant, #"{"key":"old-key-0001"}"#).json()["notificationKeyAlgorithm"] as? String == "sha1")
            let before = Date()
            let rotated = try await Self.putKey(api, tenant, #"{"key":"new-key-0002","algorithm":"sha512","graceSeconds":3600}"#)
            #expect(rotated.status == .ok)
            #expect(try rotated.json()["notificationKeyAlgorithm"] as? String == "sha512")
            let validUntil = try #require((try rotated.json()["previousNotificationKeyValidUntil"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(validUntil.timeIntervalSince(before) - 3600) < 60)

            let test = Self.monitoringTest(merchantID: merchantID)
            // The provider still signs with the old key, as the cabinet said until now.
            #expect(try await api.notify(tenant, body: test, signature: Self.sign(test, "old-key-0001", .sha1))["status"] as? String == "success")
            #expect(try await api.notify(tenant, body: test, signature: Self.sign(test, "new-key-0002", .sha512))["status"] as? String == "success")
            // Each key keeps its own algorithm.
            #expect(try await api.notify(tenant, body: test, signature: Self.sign(test, "old-key-0001", .sha512))["code"] as? String == "signature_error")
            #expect(try await api.notify(tenant, body: test, signature: Self.sign(test, "new-key-0002", .sha1))["code"] as? String == "signature_error")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            let paid = try await api.notificationBody(invoice)
            #expect(try await api.notify(tenant, body: paid, signature: Self.sign(paid, "old-key-0001", .sha1))["status"] as? String == "success")
            #expect(try await api.invoiceStatus(invoice) == "paid")
            // The use of the previous key is audited under its own purpose.
            let audited = try await api.database.scalar(
                """
                SELECT count(*) FROM folio.vault_audit WHERE tenant_id = \(UUID(uuidString: tenant)!)
                    AND purpose = 'invoicebox.notification_key.previous' AND action = 'read' AND actor = 'notifications'
                """,
                as: Int64.self
            )
            #expect(audited == 1)

            // The grace period ends.
            try await api.database.query(
                """
                UPDATE folio.tenant_invoicing SET previous_notification_key_valid_until = now() - interval '1 second'
                WHERE tenant_id = \(UUID(uuidString: tenant)!)
                """,
                logger: TestDatabase.logger
            )
            #expect(try await api.notify(tenant, body: test, signature: Self.sign(test, "old-key-0001", .sha1))["code"] as? String == "signature_error")
            #expect(try await api.notify(tenant, body: test, signature: Self.sign(test, "new-key-0002", .sha512))["status"] as? String == "success")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()["previousNotificationKeyValidUntil"] == nil)

            // Without a grace period the replaced key is destroyed at once.
            let third = try await Self.putKey(api, tenant, #"{"key":"third-key-03","algorithm":"sha256"}"#)
            #expect(try third.json()["previousNotificationKeyValidUntil"] == nil)
            #expect(try await api.notify(tenant, body: test, signature: Self.sign(test, "new-key-0002", .sha512))["code"] as? String == "signature_error")
            #expect(try await api.notify(tenant, body: test, signature: Self.sign(test, "third-key-03", .sha256))["status"] as? String == "success")
            #expect(try await Self.notificationSecrets(api, tenant) == ["invoicebox.notification_key"])
        }
    }

    @Test func theRetentionPassDestroysAPreviousKeyWhoseGraceEnded() async throws {
        try await TestAPI.run { api in
            let (ended, _) = try await api.activeTenant("grace-ended")
            let (running, _) = try await api.activeTenant("grace-running")
            for tenant in [ended, running] {
                _ = try await Self.putKey(api, tenant, #"{"key":"first-key-01"}"#)
                _ = try await Self.putKey(api, tenant, #"{"key":"second-key-2","graceSeconds":600}"#)
            }
            try await api.database.query(
                """
                UPDATE folio.tenant_invoicing SET previous_notification_key_valid_until = now() - interval '1 second'
                WHERE tenant_id = \(UUID(uuidString: ended)!)
                """,
                logger: TestDatabase.logger
            )
            let tenants = TenantDirectory(client: api.database, tenantMigrations: TestDatabase.migrations.tenant, logger: TestDatabase.logger)
            let retention = DataRetention(client: api.database, tenants: tenants, days: 90, logger: TestDatabase.logger)
            #expect(try await retention.runOnce() == 1)
            #expect(try await Self.notificationSecrets(api, ended) == ["invoicebox.notification_key"])
            #expect(try await Self.notificationSecrets(api, running) == ["invoicebox.notification_key", "invoicebox.notification_key.previous"])
            let deletions = try await api.database.scalar(
                """
                SELECT count(*) FROM folio.vault_audit WHERE tenant_id = \(UUID(uuidString: ended)!)
                    AND purpose = 'invoicebox.notification_key.previous' AND action = 'delete' AND actor = 'retention'
                """,
                as: Int64.self
            )
            #expect(deletions == 1)
            #expect(try await api.send(.get, "/v1/tenants/\(running)/invoicing").json()["previousNotificationKeyValidUntil"] != nil)
        }
    }

    @Test func removingTheKeyMakesTheShopOneWithoutAKey() async throws {
        try await TestAPI.run(confirmation: .unsigned) { api in
            let (tenant, merchantID) = try await api.activeTenant("removal")
            _ = try await Self.putKey(api, tenant, #"{"key":"first-key-01","algorithm":"sha256"}"#)
            _ = try await Self.putKey(api, tenant, #"{"key":"second-key-2","algorithm":"sha256","graceSeconds":600}"#)
            #expect(try await Self.notificationSecrets(api, tenant).count == 2)

            let removed = try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing/notification-key")
            #expect(removed.status == .ok)
            let state = try removed.json()
            #expect(state["state"] as? String == "active")
            #expect(state["hasNotificationKey"] as? Bool == false)
            #expect(state["notificationKeyAlgorithm"] == nil)
            #expect(state["previousNotificationKeyValidUntil"] == nil)
            #expect(try await Self.notificationSecrets(api, tenant).isEmpty)
            #expect(try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing/notification-key").status == .ok)

            // A signed claim is no longer trusted: the provider's read decides, as for a shop without a key.
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let forged = try editedBody(try await api.notificationBody(invoice)) { $0["status"] = "completed" }
            let answer = try await api.notify(tenant, body: forged, signature: Self.sign(forged, "second-key-2", .sha256))
            #expect(answer["code"] as? String == "out_of_service")
            #expect(try await api.invoiceStatus(invoice) == "open")
            try await api.sandbox.state.pay(orderID: invoice.orderID)
            #expect(try await api.notify(tenant, body: try await api.notificationBody(invoice), signature: nil)["status"] as? String == "success")
            #expect(try await api.invoiceStatus(invoice) == "paid")
            let signatures = try await api.database.query(
                "SELECT signature FROM \(unescaped: TestAPI.schema(of: tenant)).notifications", logger: TestDatabase.logger
            )
            #expect(Set(try await signatures.decode(String.self).collect()) == ["unchecked"])
        }
    }

    @Test func badInputAnswers422AndChangesNothing() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("validation")
            _ = try await Self.putKey(api, tenant, #"{"key":"kept-key-001","algorithm":"sha256"}"#)
            let auditRows = { try await api.database.scalar("SELECT count(*) FROM folio.vault_audit", as: Int64.self) }
            let auditedBefore = try await auditRows()
            let cases: [(body: String, pointer: String)] = [
                (#"{"key":"other-key-01","algorithm":"md5"}"#, "/algorithm"),
                (#"{"key":"other-key-01","algorithm":"SHA256"}"#, "/algorithm"),
                (#"{"key":"other-key-01","graceSeconds":-1}"#, "/graceSeconds"),
                (#"{"key":"other-key-01","graceSeconds":604801}"#, "/graceSeconds"),
                (#"{"key":""}"#, "/key"),
                (#"{"key":"with space"}"#, "/key"),
                (#"{"key":"\#(String(repeating: "k", count: 257))"}"#, "/key"),
            ]
            for (body, pointer) in cases {
                let response = try await Self.putKey(api, tenant, body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.problemCode == "validation_failed", "\(body)")
                let errors = try response.json()["errors"] as? [[String: Any]] ?? []
                #expect(errors.map { $0["pointer"] as? String } == [pointer], "\(body)")
            }
            #expect(try await Self.putKey(api, tenant, #"{"algorithm":"sha1"}"#).status == .badRequest)
            let state = try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()
            #expect(state["notificationKeyAlgorithm"] as? String == "sha256")
            #expect(try await auditRows() == auditedBefore)
            // The connection's algorithm is checked the same way.
            let shop = await api.sandbox.state.addMerchant()
            let credentials = try await api.send(
                .put, "/v1/tenants/\(tenant)/invoicing/credentials",
                json: #"{"merchantId":"\#(shop.id)","token":"\#(shop.token)","notificationKey":"k","notificationKeyAlgorithm":"sha384"}"#
            )
            #expect(credentials.status == .unprocessableContent)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()["merchantId"] as? String != shop.id)
        }
    }

    @Test func theCredentialsCarryTheKeysAlgorithm() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID, key) = try await api.signedTenant("connected")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").json()["notificationKeyAlgorithm"] as? String == "sha1")
            let test = Self.monitoringTest(merchantID: merchantID)
            #expect(try await api.notify(tenant, body: test, signature: Self.sign(test, key, .sha1))["status"] as? String == "success")

            let other = try await api.createTenant("connected-sha512")
            let shop = await api.sandbox.state.addMerchant()
            let connected = try await api.send(
                .put, "/v1/tenants/\(other)/invoicing/credentials",
                json: #"{"merchantId":"\#(shop.id)","token":"\#(shop.token)","notificationKey":"\#(shop.notificationKey)","notificationKeyAlgorithm":"sha512"}"#
            )
            #expect(try connected.json()["notificationKeyAlgorithm"] as? String == "sha512")
            let otherTest = Self.monitoringTest(merchantID: shop.id)
            let sha1 = Self.sign(otherTest, shop.notificationKey, .sha1)
            #expect(try await api.notify(other, body: otherTest, signature: sha1)["code"] as? String == "signature_error")
            let sha512 = Self.sign(otherTest, shop.notificationKey, .sha512)
            #expect(try await api.notify(other, body: otherTest, signature: sha512)["status"] as? String == "success")
        }
    }

    @Test func onlyAnActiveShopHasAKey() async throws {
        try await TestAPI.run { api in
            let disabled = try await api.createTenant("disabled")
            let invited = try await api.createTenant("invited")
            #expect(try await api.send(.post, "/v1/tenants/\(invited)/invoicing/invite", json: #"{"email":"gm@invited.example"}"#).status == .ok)
            for tenant in [disabled, invited] {
                #expect(try await Self.putKey(api, tenant, #"{"key":"early-key-01"}"#).problemCode == "invoicing_not_active")
                let removed = try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing/notification-key")
                #expect(removed.status == .conflict)
                #expect(removed.problemCode == "invoicing_not_active")
                #expect(try await Self.notificationSecrets(api, tenant).isEmpty)
            }
            let unknown = UUID().uuidString.lowercased()
            #expect(try await Self.putKey(api, unknown, #"{"key":"early-key-01"}"#).problemCode == "tenant_not_found")
        }
    }

    @Test func theKeyNeverLeavesThroughAResponseOrTheLog() async throws {
        let logs = CapturedLogs()
        try await TestAPI.run(logs: logs) { api in
            let canary = "canary0key0\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
            let rotatedCanary = "canary0rotated0\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
            let (tenant, merchantID) = try await api.activeTenant("canary")
            var bodies: [String] = []
            for body in [
                #"{"key":"\#(canary)","algorithm":"sha256"}"#, #"{"key":"\#(canary)","algorithm":"md5"}"#,
                #"{"key":"\#(canary)","graceSeconds":"soon"}"#, #"{"key":"\#(rotatedCanary)","algorithm":"sha512","graceSeconds":60}"#,
            ] {
                bodies.append(String(buffer: try await Self.putKey(api, tenant, body).body))
            }
            let test = Self.monitoringTest(merchantID: merchantID)
            for (key, algorithm) in [(canary, NotificationKey.Algorithm.sha256), (rotatedCanary, .sha512), (canary, .sha1)] {
                _ = try await api.notify(tenant, body: test, signature: Self.sign(test, key, algorithm))
            }
            bodies.append(String(buffer: try await api.send(.get, "/v1/tenants/\(tenant)/invoicing").body))
            bodies.append(String(buffer: try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing/notification-key").body))
            for body in bodies {
                #expect(!body.contains(canary), "\(body)")
                #expect(!body.contains(rotatedCanary), "\(body)")
            }
            #expect(logs.text.contains("notification key set"))
            #expect(!logs.text.contains(canary))
            #expect(!logs.text.contains(rotatedCanary))
        }
    }

    @Test func anEnableInvoicingSessionManagesTheKeyAndAnInvoiceListSessionCannot() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("session")
            let enabling = try await SessionEndpointTests.token(api, tenant, components: ["enable-invoicing"])
            let listOnly = try await SessionEndpointTests.token(api, tenant, components: ["invoice-list"])
            let refusedPut = try await Self.putKey(api, tenant, #"{"key":"session-key-1"}"#, key: listOnly)
            #expect(refusedPut.status == .forbidden)
            #expect(refusedPut.problemCode == "session_forbidden")
            let refusedDelete = try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing/notification-key", key: listOnly)
            #expect(refusedDelete.status == .forbidden)
            #expect(refusedDelete.problemCode == "session_forbidden")
            #expect(try await Self.notificationSecrets(api, tenant).isEmpty)
            let put = try await Self.putKey(api, tenant, #"{"key":"session-key-1"}"#, key: enabling)
            #expect(put.status == .ok)
            #expect(try put.json()["hasNotificationKey"] as? Bool == true)
            let delete = try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing/notification-key", key: enabling)
            #expect(delete.status == .ok)
            #expect(try delete.json()["hasNotificationKey"] as? Bool == false)
        }
    }

    /// The vault purposes of the tenant's notification keys.
    static func notificationSecrets(_ api: TestAPI, _ tenant: String) async throws -> [String] {
        let rows = try await api.database.query(
            """
            SELECT purpose FROM folio.vault_secrets
            WHERE tenant_id = \(UUID(uuidString: tenant)!) AND purpose LIKE 'invoicebox.notification_key%' ORDER BY purpose
            """,
            logger: TestDatabase.logger
        )
        return try await rows.decode(String.self).collect()
    }
}
