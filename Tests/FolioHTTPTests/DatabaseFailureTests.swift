import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoicingService
import Logging
import PostgresNIO
import TenantRegistry
import Testing

/// A database failure inside any store answers `503 service_unavailable`, whichever module's
/// store met it, and the log names its SQLSTATE without the statement or the key.
@Suite struct DatabaseFailureTests {
    @Test func aTenantSchemaGoneUnderAUnitOfWorkAnswers503() async throws {
        let logs = CapturedLogs()
        try await TestAPI.run(logs: logs) { api in
            let tenant = try await api.createTenant("schema-gone")
            try await api.makeSchema(of: tenant)
            try await api.database.query("DROP SCHEMA \(unescaped: TestAPI.schema(of: tenant)) CASCADE", logger: TestDatabase.logger)
            let response = try await api.send(.get, "/v1/tenants/\(tenant)/invoices")
            #expect(response.status == .serviceUnavailable)
            #expect(response.problemCode == "service_unavailable")
            Self.expectLogged("RegistryError", sqlState: "42P01", in: logs, without: api.platformKey)
        }
    }

    @Test func aFailureInTheInvoicingSettingsAnswers503() async throws {
        let logs = CapturedLogs()
        try await TestAPI.run(logs: logs) { api in
            let tenant = try await api.createTenant("settings-gone")
            try await api.database.query("DROP TABLE folio.tenant_invoicing CASCADE", logger: TestDatabase.logger)
            let response = try await api.send(.get, "/v1/tenants/\(tenant)/invoicing")
            #expect(response.status == .serviceUnavailable)
            #expect(response.problemCode == "service_unavailable")
            Self.expectLogged("InvoicingError", sqlState: "42P01", in: logs, without: api.platformKey)
        }
    }

    @Test func aFailureInTheVaultAnswers503AndNothingIsSent() async throws {
        let logs = CapturedLogs()
        try await TestAPI.run(logs: logs) { api in
            let (tenant, merchantID) = try await api.activeTenant("vault-gone")
            try await api.database.query("DROP TABLE folio.vault_secrets CASCADE", logger: TestDatabase.logger)
            let response = try await api.createInvoice(tenant)
            #expect(response.status == .serviceUnavailable)
            #expect(response.problemCode == "service_unavailable")
            #expect(await api.providerOrderCount(merchantID: merchantID) == 0)
            // The token is read by the statement that records the invoice, in the tenant's unit of work.
            Self.expectLogged("RegistryError", sqlState: "42P01", in: logs, without: api.platformKey)
        }
    }

    @Test func aJobLogsTheSQLStateOfAFailureAStoreTranslated() {
        let failure = DatabaseFailure(kind: "server", sqlState: "40001")
        let metadata = FailureReport.metadata(RegistryError.databaseFailed(failure), operation: "invoice.reconcile")
        #expect(metadata["db.sqlstate"] == "40001")
        #expect(metadata["error.code"] == "server")
        #expect(metadata["error"] == "RegistryError")
    }

    /// The failure reaches the API as the error of the module whose store met it.
    static func expectLogged(_ moduleError: String, sqlState: String, in logs: CapturedLogs, without secret: String) {
        let line = logs.text.split(separator: "\n").first { $0.contains("request failed") }
        #expect(line?.contains("\(moduleError): ") == true, "log: \(logs.text)")
        #expect(line?.contains("SQLSTATE \(sqlState)") == true, "log: \(logs.text)")
        #expect(!logs.text.contains(secret))
    }
}
