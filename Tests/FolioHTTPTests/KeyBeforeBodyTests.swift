import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The key is checked before a byte of the body is read: an anonymous caller cannot make Folio
/// buffer a megabyte.
@Suite struct KeyBeforeBodyTests {
    static let oversized = String(repeating: "a", count: (1 << 20) + 1)

    @Test(arguments: [true, false])
    func anUnauthenticatedBodyOverTheLimitIsRefusedForItsKey(announced: Bool) async throws {
        try await TestAPI.run { api in
            var headers = HTTPFields()
            if announced { headers[.contentLength] = String(Self.oversized.utf8.count) }
            let missing = try await api.send(.post, "/v1/tenants", key: .some(nil), json: Self.oversized, headers: headers)
            #expect(missing.status == .unauthorized)
            #expect(missing.problemCode == "missing_api_key")
            let unknownKey = "folio_" + String(repeating: "w", count: 43)
            let wrong = try await api.send(.post, "/v1/tenants", key: unknownKey, json: Self.oversized, headers: headers)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.problemCode == "invalid_api_key")
            // With a valid key the limit still holds.
            let authenticated = try await api.send(.post, "/v1/tenants", json: Self.oversized, headers: headers)
            #expect(authenticated.status == .contentTooLarge)
            #expect(authenticated.problemCode == "payload_too_large")
        }
    }
}
