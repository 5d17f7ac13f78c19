import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import FolioHTTP

/// What Folio reads back from its own tables and does not know is an error, never a guess; what
/// the API spells and Folio lacks is a bad parameter, never a filter left out.
@Suite(.serialized) struct StoredValueAnswerTests {
    @Test func anEventOfAnUnknownTypeIsAnErrorNotAnInvoiceCreated() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("unknown-event")
            try await api.database.query(
                "UPDATE folio.events SET type = 'invoice.teleported' WHERE tenant_id = \(UUID(uuidString: tenant)!)",
                logger: TestDatabase.logger
            )
            let response = try await api.send(.get, "/v1/tenants/\(tenant)/events")
            #expect(response.status == .internalServerError)
            #expect(response.problemCode == "internal_error")
        }
    }

    @Test func aStatusFilterFolioLacksIsAnInvalidParameter() throws {
        #expect(try FolioAPIHandler.statusFilter(nil) == nil)
        #expect(try FolioAPIHandler.statusFilter("partially_refunded") == .partiallyRefunded)
        #expect(throws: APIProblem.self) { try FolioAPIHandler.statusFilter("archived") }
        do {
            _ = try FolioAPIHandler.statusFilter("archived")
        } catch {
            #expect(error.code == "invalid_parameter")
            #expect(error.status == .badRequest)
        }
    }
}
