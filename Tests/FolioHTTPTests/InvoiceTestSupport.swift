import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxSandbox
import InvoicingService
import NIOCore
import PostgresNIO
import TenantRegistry

extension TestAPI {
    /// A tenant whose invoicing is active, through the button flow: invite, the code the tenant
    /// received, activate. Returns the tenant id and its shop's merchant id.
    func activeTenant(_ externalID: String) async throws -> (tenant: String, merchantID: String) {
        let tenant = try await createTenant(externalID)
        let email = "\(externalID)@hotel.example"
        let invited = try await send(.post, "/v1/tenants/\(tenant)/invoicing/invite", json: #"{"email":"\#(email)"}"#)
        guard invited.status == .ok, let code = await sandbox.state.activationCode(email: email) else {
            throw UnexpectedResponse(status: invited.status, body: String(buffer: invited.body))
        }
        let activated = try await send(.post, "/v1/tenants/\(tenant)/invoicing/activate", json: #"{"activationCode":"\#(code)"}"#)
        guard activated.status == .ok, let merchantID = try activated.json()["merchantId"] as? String else {
            throw UnexpectedResponse(status: activated.status, body: String(buffer: activated.body))
        }
        return (tenant, merchantID)
    }

    /// Creates an invoice and returns the response.
    func createInvoice(_ tenant: String, body: String = TestAPI.invoiceBody(), key: String? = nil, idempotencyKey: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        return try await send(.post, "/v1/tenants/\(tenant)/invoices", key: key.map { .some($0) } ?? .none, json: body, headers: headers)
    }

    /// Orders the sandbox holds for a shop: the provider's side of "exactly one".
    func providerOrderCount(merchantID: String) async -> Int {
        await sandbox.state.orderIDs(merchantID: merchantID).count
    }

    /// The tenant's stored invoices; none while its first write has not made its schema.
    func invoiceCount(_ tenant: String) async throws -> Int64 {
        let id = TenantID(string: tenant)!
        let hasSchema = try await database.scalar("SELECT schema_version IS NOT NULL FROM folio.tenants WHERE id = \(id.rawValue)", as: Bool.self)
        guard hasSchema == true else { return 0 }
        return try await database.scalar("SELECT count(*) FROM \(unescaped: Self.schema(of: tenant)).invoices", as: Int64.self) ?? -1
    }

    /// Makes the tenant's schema as its first write would, for a test that reaches into it.
    func makeSchema(of tenant: String) async throws {
        let directory = TenantDirectory(client: database, tenantMigrations: TestDatabase.migrations.tenant, logger: TestDatabase.logger)
        try await directory.withTenant(TenantID(string: tenant)!) { _ in }
    }

    /// The tenant's schema, quoted for SQL, from the id the API answered.
    static func schema(of tenant: String) -> String {
        quotedIdentifier(TenantID(string: tenant)!.schemaName)
    }

    /// Two nights at 4,500.00 with 22 % VAT and a breakfast, for a private guest.
    static func invoiceBody(reservationID: String = "SZ-77120", extra: String = "") -> String {
        """
        {"reservationId":"\(reservationID)","description":"Stay at Hotel Aurora","currency":"RUB",
         "customer":{"type":"private","name":"Irina Sokolova","email":"guest@example.org"},
         "items":[{"sku":"ROOM","name":"Standard room, 2 nights","quantity":2,"unitPrice":450000,"vatCode":"RUS_VAT22","serviceDate":"2026-08-12"},
                  {"sku":"BRKF","name":"Breakfast","quantity":2,"unitPrice":85050,"vatCode":"RUS_VAT10"}],
         "reservation":{"propertyName":"Hotel Aurora","guestName":"Irina Sokolova","checkIn":"2026-08-12","checkOut":"2026-08-14","country":"RU"}\(extra)}
        """
    }
}
