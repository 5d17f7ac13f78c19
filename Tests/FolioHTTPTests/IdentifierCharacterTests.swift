import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Identifiers are matched byte for byte, so none may hide a character a reader cannot see;
/// display texts may carry right-to-left marks but no overrides.
@Suite struct IdentifierCharacterTests {
    static let invisible: [(String, String)] = [
        ("\u{0007}", "C0 bell"), ("\u{009B}", "C1 CSI"), ("\u{202E}", "right-to-left override"), ("\u{2066}", "left-to-right isolate"),
        ("\u{200B}", "zero-width space"), ("\u{200F}", "right-to-left mark"), ("\u{FEFF}", "byte order mark"), ("\u{00AD}", "soft hyphen"),
        ("\u{2028}", "line separator"), ("\u{3000}", "ideographic space"), ("\u{E000}", "private use"),
    ]

    @Test func identifiersRefuseEveryInvisibleCharacter() {
        for (character, name) in Self.invisible {
            let violations = FieldViolation.checkIdentifier("R-1\(character)2", pointer: "/reservationId", lengths: 1...128)
            #expect(violations.map(\.code) == ["invalid_characters"], "\(name)")
        }
        #expect(FieldViolation.checkIdentifier("Бронь 2026/08-é", pointer: "/reservationId", lengths: 1...128).isEmpty)
    }

    @Test func displayTextsKeepRightToLeftMarksButNotOverrides() {
        #expect(FieldViolation.checkText("מלון\u{200F} 12", pointer: "/displayName", lengths: 1...200).isEmpty)
        for override in ["\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}", "\u{0085}"] {
            #expect(FieldViolation.checkText("Hotel\(override)", pointer: "/displayName", lengths: 1...200).map(\.code) == ["invalid_characters"])
        }
    }

    @Test func invoiceIdentifiersWithHiddenCharactersAreFieldErrorsAndNothingIsStored() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("hidden-characters")
            let hiddenReservation = TestAPI.invoiceBody(reservationID: "SZ-77\u{200B}120")
            let response = try await api.createInvoice(tenant, body: hiddenReservation)
            #expect(response.status == .unprocessableContent)
            #expect((try response.json()["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/reservationId")

            let hiddenSKU =
                #"{"reservationId":"R1","description":"Stay","currency":"RUB","customer":{"type":"private","email":"g@example.org"},"items":[{"sku":"ROOM\u2066","name":"Night","quantity":1,"unitPrice":100,"vatCode":"VATNONE"}]}"#
            let skuResponse = try await api.createInvoice(tenant, body: hiddenSKU)
            #expect((try skuResponse.json()["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/items/0/sku")

            let filter = try await api.send(.get, "/v1/tenants/\(tenant)/invoices?reservationId=R%E2%80%8B1")
            #expect(filter.problemCode == "invalid_parameter")
            #expect(try await api.invoiceCount(tenant) == 0)
            #expect(await api.providerOrderCount(merchantID: merchantID) == 0)

            let rightToLeft = try await api.send(.post, "/v1/tenants", json: #"{"externalId":"hotel-he","displayName":"מלון\u200F הים"}"#)
            #expect(rightToLeft.status == .created)
        }
    }
}
