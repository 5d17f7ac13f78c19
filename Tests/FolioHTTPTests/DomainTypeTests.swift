import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoicingService
import PostgresNIO
import Testing

/// Currency and VAT codes are Folio's enums from the wire to the provider: a code Folio does not
/// know is an error, never a default.
@Suite struct DomainTypeTests {
    /// An invoice's `request` as stored before the codes were typed.
    static let storedRequest = #"""
        {"reservationID":"R1","description":"Stay","currency":"RUB","customer":{"kind":"private","email":"g@example.org"},
         "items":[{"name":"Night","quantity":2,"unitPrice":450000,"vatCode":"RUS_VAT22"}]}
        """#

    @Test func aStoredRequestKeepsItsShape() throws {
        let request = try JSONDecoder().decode(InvoiceRequest.self, from: Data(Self.storedRequest.utf8))
        #expect(request.currency == .rub)
        #expect(request.items.first?.vatCode == .twentyTwo)
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(request)) as? [String: Any]
        #expect(encoded?["currency"] as? String == "RUB")
        #expect((encoded?["items"] as? [[String: Any]])?.first?["vatCode"] as? String == "RUS_VAT22")
    }

    @Test(arguments: [(#""currency":"RUB""#, #""currency":"XTS""#), (#""vatCode":"RUS_VAT22""#, #""vatCode":"RUS_VAT99""#)])
    func aStoredCodeFolioDoesNotKnowIsAnErrorNotADefault(known: String, unknown: String) {
        let body = Self.storedRequest.replacingOccurrences(of: known, with: unknown)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(InvoiceRequest.self, from: Data(body.utf8))
        }
    }

    @Test func unknownCodesAreFieldErrorsAnsweredWithTheOtherRules() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("typed-codes")
            let body = TestAPI.invoiceBody()
                .replacingOccurrences(of: #""currency":"RUB""#, with: #""currency":"XTS""#)
                .replacingOccurrences(of: "guest@example.org", with: "guest-at-example")
                .replacingOccurrences(of: #""vatCode":"RUS_VAT22""#, with: #""vatCode":"VAT_UNKNOWN""#)
            let response = try await api.createInvoice(tenant, body: body)
            #expect(response.status == .unprocessableContent)
            #expect(response.problemCode == "validation_failed")
            let pointers = (try response.json()["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? []
            #expect(pointers.contains("/currency"), "\(pointers)")
            #expect(pointers.contains("/customer/email"), "\(pointers)")
            #expect(pointers.contains { $0.hasSuffix("/vatCode") }, "\(pointers)")
            #expect(try await api.invoiceCount(tenant) == 0)
        }
    }

    /// A status this version does not know (written by a newer one, say) must not be read as
    /// `pending`, which would let the invoice be sent again or canceled.
    @Test func anUnknownStoredStatusIsAnErrorNotPending() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("unknown-status")
            let created = try await api.createInvoice(tenant)
            let id = try #require(try created.json()["id"] as? String)
            let schema = TestAPI.schema(of: tenant)
            // Only a later version's migration could widen the column's check: drop it here.
            _ = try await api.database.query(
                """
                DO $$ DECLARE c text; BEGIN
                    FOR c IN SELECT conname FROM pg_constraint
                        WHERE conrelid = '\(unescaped: schema).invoices'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%status%'
                    LOOP EXECUTE format('ALTER TABLE \(unescaped: schema).invoices DROP CONSTRAINT %I', c); END LOOP;
                END $$
                """,
                logger: TestDatabase.logger
            )
            _ = try await api.database.query("UPDATE \(unescaped: schema).invoices SET status = 'disputed'", logger: TestDatabase.logger)
            let read = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(id)")
            #expect(read.status == .internalServerError)
            #expect(read.problemCode == "internal_error")
        }
    }
}
