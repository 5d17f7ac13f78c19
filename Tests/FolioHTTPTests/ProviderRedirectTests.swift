import FolioTestSupport
import Foundation
import HTTPServing
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The provider's HTTP client is the one `folio serve` uses: a redirect is an answer, never a
/// second request somewhere else (a redirected write could otherwise land at another address).
@Suite struct ProviderRedirectTests {
    @Test func aRedirectFromTheProviderIsRefusedNotFollowed() async throws {
        let reached = RequestCounter()
        let target = Router()
        target.on("**", method: .get) { _, _ -> Response in
            await reached.add()
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: "{}")))
        }
        try await serveOnFreePort(target, logger: TestDatabase.logger) { targetURL in
            let redirector = Router()
            redirector.on("**", method: .get) { request, _ -> Response in
                Response(status: .temporaryRedirect, headers: [.location: targetURL.absoluteString + request.uri.description])
            }
            try await serveOnFreePort(redirector, logger: TestDatabase.logger) { redirectorURL in
                try await TestAPI.run(invoiceboxBaseURL: redirectorURL) { api in
                    let tenant = try await api.createTenant("redirected")
                    let connect = try await api.send(
                        .put, "/v1/tenants/\(tenant)/invoicing/credentials",
                        json: #"{"merchantId":"0f8fad5b-d9cb-469f-a165-70867728950e","token":"ffffffffffffffffffffffffffffffff"}"#
                    )
                    #expect(connect.status != .ok)
                    #expect(connect.status != .internalServerError, "a provider failure, not Folio's")
                    #expect(connect.problemCode != nil && connect.problemCode != "internal_error")
                    #expect(await reached.count == 0, "the redirect was followed")
                }
            }
        }
    }
}

actor RequestCounter {
    private(set) var count = 0
    func add() { count += 1 }
}
