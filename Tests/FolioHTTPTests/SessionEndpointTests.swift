import FolioDomain
import FolioHTTP
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TenantRegistry
import Testing

/// Browser sessions: minted by the platform only, confined to one tenant and to the operations of
/// their components, refused once expired or altered.
@Suite(.serialized) struct SessionEndpointTests {
    static func mint(_ api: TestAPI, _ tenant: String, _ body: String = "{}", key: String?? = .none) async throws -> TestResponse {
        try await api.send(.post, "/v1/tenants/\(tenant)/sessions", key: key, json: body)
    }

    static func token(_ api: TestAPI, _ tenant: String, components: [String]? = nil) async throws -> String {
        let body = components.map { #"{"components":[\#($0.map { "\"\($0)\"" }.joined(separator: ","))]}"# } ?? "{}"
        let response = try await mint(api, tenant, body)
        guard response.status == .created, let token = try response.json()["token"] as? String else {
            throw UnexpectedResponse(status: response.status, body: String(buffer: response.body))
        }
        return token
    }

    @Test func aSessionReachesItsTenantsComponentsAndSaysWhenItExpires() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel-session")
            let before = Date()
            let response = try await Self.mint(api, tenant, #"{"ttlSeconds":600}"#)
            let after = Date()
            #expect(response.status == .created)
            let session = try response.json()
            let token = try #require(session["token"] as? String)
            #expect(token.hasPrefix("fs1."))
            #expect(session["tenantId"] as? String == tenant)
            #expect(session["components"] as? [String] == ["enable-invoicing", "invoice-list", "invoice"])
            let expiresAt = try #require((session["expiresAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            // Minted while the request ran, however long a loaded machine made it take; the answer
            // is given to the second.
            #expect(expiresAt >= before.addingTimeInterval(600 - 1) && expiresAt <= after.addingTimeInterval(600 + 1))
            #expect((session["scriptUrl"] as? String)?.contains("/components/folio.") == true)

            let state = try await api.send(.get, "/v1/tenants/\(tenant)/invoicing", key: token)
            #expect(state.status == .ok)
            #expect(try state.json()["notificationUrl"] as? String == "http://127.0.0.1:9/v1/providers/invoicebox/notifications/\(tenant)")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices", key: token).status == .ok)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/events", key: token).status == .ok)
        }
    }

    @Test func aSessionNeverReachesAnotherTenant() async throws {
        try await TestAPI.run { api in
            let own = try await api.createTenant("hotel-own")
            let (other, _) = try await api.activeTenant("hotel-other")
            let invoice = try #require(try await api.createInvoice(other).json()["id"] as? String)
            let token = try await Self.token(api, own)
            // Every operation a session may call, aimed at the other tenant.
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/tenants/\(other)/invoices", nil),
                (.get, "/v1/tenants/\(other)/invoices/\(invoice)", nil),
                (.get, "/v1/tenants/\(other)/invoices/\(invoice)/qr.svg", nil),
                (.get, "/v1/tenants/\(other)/invoices/\(invoice)/qr.png", nil),
                (.post, "/v1/tenants/\(other)/invoices/\(invoice)/cancel", nil),
                (.get, "/v1/tenants/\(other)/events", nil),
                (.get, "/v1/tenants/\(other)/events?invoiceId=\(invoice)", nil),
                (.get, "/v1/tenants/\(other)/invoicing", nil),
                (.post, "/v1/tenants/\(other)/invoicing/invite", #"{"email":"gm@hotel.example"}"#),
                (.post, "/v1/tenants/\(other)/invoicing/activate", #"{"activationCode":"123456789"}"#),
                (.put, "/v1/tenants/\(other)/invoicing/credentials", #"{"merchantId":"0f8fad5b-d9cb-469f-a165-70867728950e","token":"abcdefgh12345678"}"#),
                (.delete, "/v1/tenants/\(other)/invoicing", nil),
            ]
            for (method, path, body) in attempts {
                let response = try await api.send(method, path, key: token, json: body)
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(try response.json()["code"] as? String == "tenant_not_found", "\(method) \(path)")
            }
            // The other tenant's invoice is untouched and its shop still connected.
            let read = try await api.send(.get, "/v1/tenants/\(other)/invoices/\(invoice)")
            #expect(try read.json()["status"] as? String == "open")
            #expect(try await api.send(.get, "/v1/tenants/\(other)/invoicing").json()["state"] as? String == "active")
        }
    }

    /// Paths that name an operation another way reach the same rule: the router and the scope
    /// both drop empty segments and compare literally, and HEAD is held to GET's rule.
    @Test func anotherSpellingOfAPathGainsNothing() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel-spelling")
            let listOnly = try await Self.token(api, tenant, components: ["invoice-list"])
            for path in ["/v1/tenants/\(tenant)/invoicing/", "//v1/tenants/\(tenant)//invoicing", "/v1/tenants/\(tenant)/Invoicing"] {
                let response = try await api.send(.get, path, key: listOnly)
                #expect(response.status == .forbidden || response.status == .notFound, "\(path)")
                #expect(response.status != .ok, "\(path)")
            }
            // HEAD on a path the session may read answers as it does for the platform; elsewhere never 200.
            let platformHead = try await api.send(.head, "/v1/tenants/\(tenant)/invoices").status
            #expect(try await api.send(.head, "/v1/tenants/\(tenant)/invoices", key: listOnly).status == platformHead)
            #expect(try await api.send(.head, "/v1/tenants/\(tenant)/invoicing", key: listOnly).status != .ok)
            #expect(try await api.send(.head, "/v1/tenants", key: listOnly).status != .ok)
        }
    }

    @Test func aSessionCallsOnlyTheOperationsOfItsComponents() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel-scope")
            let listOnly = try await Self.token(api, tenant, components: ["invoice-list"])
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices", key: listOnly).status == .ok)
            let outsideTheList: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/v1/tenants/\(tenant)/invoicing/invite", #"{"email":"gm@hotel.example"}"#),
                (.get, "/v1/tenants/\(tenant)/invoicing", nil),
            ]
            // Writes of the host's backend, platform operations and credentials: no component reaches them.
            let outsideEveryComponent: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/v1/tenants/\(tenant)/invoices", TestAPI.invoiceBody()),
                (.post, "/v1/tenants/\(tenant)/sessions", "{}"),
                (.post, "/v1/tenants/\(tenant)/api-keys", "{}"),
                (.get, "/v1/tenants", nil),
                (.get, "/v1/tenants/\(tenant)", nil),
                (.delete, "/v1/tenants/\(tenant)", nil),
            ]
            let everything = try await Self.token(api, tenant)
            let attempts = outsideTheList.map { ($0, listOnly) } + outsideEveryComponent.flatMap { [($0, listOnly), ($0, everything)] }
            for ((method, path, body), token) in attempts {
                let response = try await api.send(method, path, key: token, json: body)
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(try response.json()["code"] as? String == "session_forbidden", "\(method) \(path)")
            }
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)", key: .some(nil)).status == .unauthorized)
        }
    }

    @Test func onlyThePlatformMintsSessions() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel-mint")
            let tenantKey = try await api.createTenantKey(tenant)
            let response = try await Self.mint(api, tenant, key: tenantKey)
            #expect(response.status == .forbidden)
            #expect(try response.json()["code"] as? String == "forbidden")
            let missing = try await Self.mint(api, "6f1c1c6e-8a65-4c39-9d1e-0d7fa0a0b0c1")
            #expect(missing.status == .notFound)
        }
    }

    @Test func lifetimesAndComponentsAreValidated() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel-ttl")
            for body in [#"{"ttlSeconds":0}"#, #"{"ttlSeconds":3601}"#, #"{"components":["invoice","invoice"]}"#] {
                let response = try await Self.mint(api, tenant, body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(try response.json()["code"] as? String == "validation_failed")
            }
            for body in [#"{"components":["admin"]}"#, #"{"components":[]}"#, #"{"ttlSeconds":"900"}"#, #"{"scope":"all"}"#] {
                let response = try await Self.mint(api, tenant, body)
                #expect(response.status.code / 100 == 4 && response.status != .created, "\(body)")
                #expect(response.status != .internalServerError)
            }
        }
    }

    @Test func expiredAlteredAndForeignTokensAreRefused() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("hotel-expiry")
            let path = "/v1/tenants/\(tenant)/invoices"
            let signer = try #require(SessionTokens(keys: [TestAPI.sessionKey]))
            let expired = signer.mint(
                tenant: TenantID(string: tenant)!, components: [.invoiceList], lifetime: .seconds(60), now: Date().addingTimeInterval(-120)
            ).token
            let response = try await api.send(.get, path, key: expired)
            #expect(response.status == .unauthorized)
            #expect(try response.json()["code"] as? String == "session_expired")

            let valid = try await Self.token(api, tenant)
            // Another tenant's id in a payload signed for this one.
            let parts = valid.dropFirst(4).split(separator: ".")
            var payload = try JSONSerialization.jsonObject(with: Data(base64URLEncoded: String(parts[0]))!) as! [String: Any]
            payload["tid"] = "6f1c1c6e-8a65-4c39-9d1e-0d7fa0a0b0c1"
            let forged = "fs1." + (try JSONSerialization.data(withJSONObject: payload)).base64URLEncodedString() + "." + parts[1]
            let foreignKey = try SessionKey(id: "test", material: Data(repeating: 1, count: 32))
            let otherSigner = try #require(SessionTokens(keys: [foreignKey]))
            let wrongKey = otherSigner.mint(tenant: TenantID(string: tenant)!, components: [.invoiceList]).token
            for token in [forged, wrongKey, valid + "x", "fs1.", "fs1.e30.", String(valid.dropLast(2))] {
                let refused = try await api.send(.get, path, key: token)
                #expect(refused.status == .unauthorized, "\(token)")
                #expect(try refused.json()["code"] as? String == "invalid_session")
                // A refusal never echoes the token.
                #expect(!String(buffer: refused.body).contains(token))
            }
        }
    }

    @Test func tokensSignedWithAnOlderKeyStillVerifyAfterRotation() throws {
        let old = try SessionKey(id: "2026-10", material: Data(repeating: 3, count: 32))
        let new = try SessionKey(id: "2026-11", material: Data(repeating: 4, count: 32))
        let tenant = TenantID(string: "6f1c1c6e-8a65-4c39-9d1e-0d7fa0a0b0c1")!
        let before = try #require(SessionTokens(keys: [old])).mint(tenant: tenant, components: [.invoice])
        let rotated = try #require(SessionTokens(keys: [new, old]))
        #expect(try rotated.verify(before.token) == before.session)
        let after = rotated.mint(tenant: tenant, components: [.invoice])
        #expect(after.token.contains(".") && (try? SessionTokens(keys: [old])!.verify(after.token)) == nil)
        #expect(throws: SessionTokenError.invalid) { try SessionTokens(keys: [new])!.verify(before.token) }
        // The MAC's last character carries spare bits; only the one canonical spelling verifies.
        let last = before.token.last!
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let index = alphabet.firstIndex(of: last)!
        let sibling = String(before.token.dropLast()) + String(alphabet[index ^ 1])
        #expect(throws: SessionTokenError.invalid) { try rotated.verify(sibling) }
    }

    @Test func sessionKeyListsAreParsedStrictly() throws {
        let material = Data(repeating: 5, count: 32).base64EncodedString()
        #expect(try SessionTokens.parseKeys("a:\(material),b:\(material)").get().map(\.id) == ["a", "b"])
        for bad in ["a", "a:\(Data(repeating: 5, count: 16).base64EncodedString())", "a b:\(material)", "a:\(material),a:\(material)", "a:!!"] {
            #expect(throws: SessionKeyListError.self) { try SessionTokens.parseKeys(bad).get() }
        }
    }

    /// `SessionScope` and the spec's `x-folio-session-components` name the same operations.
    @Test func theSpecMarksExactlyTheOperationsSessionsMayCall() throws {
        let spec = try String(contentsOfFile: Self.specPath, encoding: .utf8)
        var path = ""
        var method = ""
        var marked: [String: Set<String>] = [:]
        var all: [String] = []
        var listingForbidden: Set<String> = []
        for line in spec.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"),
                ["get:", "post:", "put:", "delete:", "patch:"].contains(line.trimmingCharacters(in: .whitespaces))
            {
                method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                if path.hasPrefix("/") { all.append("\(method) \(path)") }
            } else if line.hasPrefix("      x-folio-session-components:") {
                let list = line.split(separator: "[").last!.dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                marked["\(method) \(path)"] = Set(list)
            } else if line == #"        "403":"# {
                listingForbidden.insert("\(method) \(path)")
            }
            if line.hasPrefix("components:") { break }
        }
        #expect(marked.count >= 10)
        for operation in all {
            let parts = operation.split(separator: " ")
            let concrete = parts[1].replacingOccurrences(of: "{tenantId}", with: "6f1c1c6e-8a65-4c39-9d1e-0d7fa0a0b0c1")
                .replacingOccurrences(of: "{invoiceId}", with: "0f8fad5b-d9cb-469f-a165-70867728950e")
                .replacingOccurrences(of: "{keyId}", with: "0f8fad5b-d9cb-469f-a165-70867728950e")
            let allowed = SessionScope.components(allowing: HTTPRequest.Method(String(parts[0]))!, path: concrete)
            #expect(Set(allowed.map(\.rawValue)) == marked[operation] ?? [], "\(operation)")
            // A session outside its components is answered 403 on any tenant's operation, so a
            // generated client must know that answer.
            if parts[1].hasPrefix("/v1/tenants/{tenantId}") {
                #expect(listingForbidden.contains(operation), "\(operation) does not list 403")
            }
        }
    }

    static var specPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("openapi/openapi.yaml").path
    }
}
