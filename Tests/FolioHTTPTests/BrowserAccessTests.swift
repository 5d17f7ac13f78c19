import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import Testing

/// What a browser meets: cross-origin rules, the components' module, the spec, the payment QR
/// codes and one invoice's history.
@Suite(.serialized) struct BrowserAccessTests {
    @Test func onlyConfiguredOriginsPassThePreflight() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel-cors")
            let preflight: HTTPFields = [
                .origin: TestAPI.allowedOrigin, .accessControlRequestMethod: "POST",
                .accessControlRequestHeaders: "authorization, content-type",
            ]
            let allowed = try await api.send(.options, "/v1/tenants/\(tenant)/invoicing/invite", key: .some(nil), headers: preflight)
            #expect(allowed.status == .noContent)
            #expect(allowed.headers[.accessControlAllowOrigin] == TestAPI.allowedOrigin)
            #expect(allowed.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(allowed.headers[.vary] == "Origin")

            var foreign = preflight
            foreign[.origin] = "https://evil.example"
            let refused = try await api.send(.options, "/v1/tenants/\(tenant)/invoicing/invite", key: .some(nil), headers: foreign)
            #expect(refused.status == .forbidden)
            #expect(refused.headers[.accessControlAllowOrigin] == nil)
            #expect(try refused.json()["code"] as? String == "origin_not_allowed")

            let read = try await api.send(.get, "/v1/tenants/\(tenant)/invoices", headers: [.origin: TestAPI.allowedOrigin])
            #expect(read.status == .ok)
            #expect(read.headers[.accessControlAllowOrigin] == TestAPI.allowedOrigin)
            #expect(read.headers[.accessControlExposeHeaders]?.contains("Retry-After") == true)
            // A refused call still reaches the page readably.
            let unauthenticated = try await api.send(.get, "/v1/tenants/\(tenant)/invoices", key: .some(nil), headers: [.origin: TestAPI.allowedOrigin])
            #expect(unauthenticated.status == .unauthorized)
            #expect(unauthenticated.headers[.accessControlAllowOrigin] == TestAPI.allowedOrigin)

            let elsewhere = try await api.send(.get, "/v1/tenants/\(tenant)/invoices", headers: [.origin: "https://evil.example"])
            #expect(elsewhere.headers[.accessControlAllowOrigin] == nil)
            // Every answer varies on the origin, so no cache hands one page's answer to another.
            #expect(elsewhere.headers[values: .vary].contains("Origin"))
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices").headers[values: .vary].contains("Origin"))
            #expect(read.headers[.accessControlExposeHeaders]?.contains("X-Request-Id") == true)
        }
    }

    @Test func theModuleIsServedWithValidatorsAndAnImmutableVersion() async throws {
        try await TestAPI.run { api in
            let plain = try await api.send(.get, "/components/folio.js", key: .some(nil))
            #expect(plain.status == .ok)
            #expect(plain.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(plain.headers[.cacheControl] == "no-cache")
            let etag = try #require(plain.headers[.eTag])
            #expect(String(buffer: plain.body).contains("customElements.define"))

            let revalidated = try await api.send(.get, "/components/folio.js", key: .some(nil), headers: [.ifNoneMatch: etag])
            #expect(revalidated.status == .notModified)
            #expect(revalidated.body.readableBytes == 0)

            let tenant = try await api.createTenant("hotel-module")
            let session = try await api.send(.post, "/v1/tenants/\(tenant)/sessions", json: "{}")
            let scriptURL = try #require(try session.json()["scriptUrl"] as? String)
            let versionedPath = try #require(URL(string: scriptURL)?.path)
            #expect(versionedPath == "/components/folio.\(etag.dropFirst().dropLast()).js")
            let versioned = try await api.send(.get, versionedPath, key: .some(nil))
            #expect(versioned.status == .ok)
            #expect(versioned.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(versioned.body == plain.body)

            #expect(try await api.send(.get, "/components/folio.0000000000000000.js", key: .some(nil)).status == .notFound)
            #expect(try await api.send(.get, "/components/other.js", key: .some(nil)).status == .notFound)
        }
    }

    @Test func theSpecIsServedWithoutAKey() async throws {
        try await TestAPI.run { api in
            let response = try await api.send(.get, "/openapi.yaml", key: .some(nil))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
            let served = String(buffer: response.body)
            let source = try String(contentsOfFile: SessionEndpointTests.specPath, encoding: .utf8)
            #expect(served == source)
            #expect(served.contains("/v1/tenants/{tenantId}/sessions:"))
        }
    }

    @Test func theQRCodeCarriesThePaymentLinkWhileTheInvoiceIsPayable() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("hotel-qr")
            let created = try await api.createInvoice(tenant)
            let invoice = try created.json()
            let id = try #require(invoice["id"] as? String)
            let link = try #require(invoice["paymentUrl"] as? String)
            let token = try await SessionEndpointTests.token(api, tenant, components: ["invoice-list"])

            let svg = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(id)/qr.svg", key: token, headers: [.accept: "image/svg+xml"])
            #expect(svg.status == .ok)
            #expect(svg.headers[.contentType] == "image/svg+xml")
            #expect(String(buffer: svg.body).hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))

            let png = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(id)/qr.png", key: token, headers: [.accept: "image/png"])
            #expect(png.status == .ok)
            #expect(png.headers[.contentType] == "image/png")
            let decoded = try await QRCodeReader.decode(png: Data(buffer: png.body))
            #expect(decoded == link)

            let canceled = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(id)/cancel")
            #expect(canceled.status == .ok)
            let after = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(id)/qr.svg", key: token)
            #expect(after.status == .conflict)
            #expect(try after.json()["code"] as? String == "invoice_not_payable")
            let refused = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(id)/qr.svg", key: token, headers: [.accept: "image/png"])
            #expect(refused.status == .notAcceptable)
            let unknown = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/0f8fad5b-d9cb-469f-a165-70867728950e/qr.png", key: token)
            #expect(unknown.status == .notFound)
            let malformed = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/not-a-uuid/qr.png", key: token)
            #expect(malformed.status == .badRequest)
        }
    }

    @Test func oneInvoicesHistoryComesFromTheFeedAlone() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("hotel-history")
            let first = try await api.createInvoice(tenant, body: TestAPI.invoiceBody(reservationID: "H-1")).json()["id"] as? String
            let second = try await api.createInvoice(tenant, body: TestAPI.invoiceBody(reservationID: "H-2")).json()["id"] as? String
            let firstID = try #require(first)
            _ = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(firstID)/cancel")
            let response = try await api.send(.get, "/v1/tenants/\(tenant)/events?invoiceId=\(firstID)")
            #expect(response.status == .ok)
            let items = try #require(try response.json()["items"] as? [[String: Any]])
            #expect(items.map { $0["type"] as? String } == ["invoice.created", "invoice.canceled"])
            #expect(items.allSatisfy { $0["invoiceId"] as? String == firstID })
            #expect(second != nil)
            // Numbered in the tenant's sequence: the second invoice's creation sits between.
            let sequences = items.compactMap { $0["sequence"] as? Int }
            #expect(sequences.count == 2 && sequences[1] - sequences[0] >= 2)
            let after = try await api.send(.get, "/v1/tenants/\(tenant)/events?invoiceId=\(firstID)&after=\(sequences[0])")
            #expect((try after.json()["items"] as? [[String: Any]])?.count == 1)
            let malformed = try await api.send(.get, "/v1/tenants/\(tenant)/events?invoiceId=nope")
            #expect(malformed.status == .badRequest)

            // How the host's webhook endpoint failed is the host's to see, not the hotel's browser's.
            try await api.database.query("UPDATE folio.events SET last_error = 'connection refused: hooks.host.internal:8443'")
            let token = try await SessionEndpointTests.token(api, tenant, components: ["invoice"])
            let forPlatform = try await api.send(.get, "/v1/tenants/\(tenant)/events?invoiceId=\(firstID)")
            let forSession = try await api.send(.get, "/v1/tenants/\(tenant)/events?invoiceId=\(firstID)", key: token)
            #expect(String(buffer: forPlatform.body).contains("hooks.host.internal"))
            #expect(forSession.status == .ok)
            #expect(!String(buffer: forSession.body).contains("hooks.host.internal"))
            #expect((try forSession.json()["items"] as? [[String: Any]])?.count == 2)
        }
    }
}
