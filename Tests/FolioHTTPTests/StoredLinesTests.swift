import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import TenantRegistry
import Testing

/// Invoices keep their priced lines in columns of their own, read without a JSON decoder; those
/// recorded before the columns existed are still answered, priced from their stored request.
@Suite struct StoredLinesTests {
    @Test func aNewInvoiceStoresItsPricedLinesAndAnOlderOneIsPricedFromItsRequest() async throws {
        try await TestAPI.run { (api: TestAPI) async throws in
            let (tenant, _) = try await api.activeTenant("lines")
            let created = try await api.createInvoice(tenant).json()
            let id = try #require(created["id"] as? String)
            let schema = TestAPI.schema(of: tenant)
            let stored = try await api.database.query(
                "SELECT line_skus, line_amounts, line_vat_amounts FROM \(unescaped: schema).invoices WHERE id = \(UUID(uuidString: id)!)",
                logger: TestDatabase.logger
            ).decode(([String]?, [Int64]?, [Int64]?).self).collect().first
            #expect(stored?.1 == [900_000, 170_100])
            #expect(stored?.2 == [162_295, 15_464])
            let fresh = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(id)").json()

            // As an invoice recorded before the columns existed looks.
            try await api.database.query(
                """
                UPDATE \(unescaped: schema).invoices SET line_skus = NULL, line_names = NULL, line_quantities = NULL,
                    line_unit_prices = NULL, line_amounts = NULL, line_vat_amounts = NULL, line_vat_codes = NULL
                """,
                logger: TestDatabase.logger
            )
            let older = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(id)").json()
            let items = try #require(older["items"] as? [[String: Any]])
            #expect(items.map { $0["amount"] as? Int } == [900_000, 170_100])
            #expect(items.map { $0["vatAmount"] as? Int } == [162_295, 15_464])
            #expect(NSDictionary(dictionary: older).isEqual(to: fresh))
            let listed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices").json()
            let listedItems = try #require((listed["items"] as? [[String: Any]])?.first?["items"] as? [[String: Any]])
            #expect(listedItems.map { $0["sku"] as? String } == items.map { $0["sku"] as? String })
        }
    }
}
