import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

/// Every kind of bad input answers problem+json with its stable code, and never a 500.
@Suite struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let method: HTTPRequest.Method
        let path: String
        var body: String?
        var contentType: String?
        var key: Key = .platform
        let status: HTTPResponse.Status
        let code: String
        var pointer: String?

        enum Key: Sendable { case platform, none, wrong, malformedHeader }

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "malformed JSON", method: .post, path: "/v1/tenants", body: #"{"externalId": "#, status: .badRequest, code: "invalid_body"),
        Case(name: "not an object", method: .post, path: "/v1/tenants", body: "[1,2]", status: .badRequest, code: "invalid_body"),
        Case(
            name: "wrong type", method: .post, path: "/v1/tenants", body: #"{"externalId": 42}"#, status: .badRequest, code: "invalid_body",
            pointer: "/externalId"),
        Case(
            name: "missing field", method: .post, path: "/v1/tenants", body: #"{"displayName": "x"}"#, status: .badRequest, code: "invalid_body",
            pointer: "/externalId"),
        Case(name: "null field", method: .post, path: "/v1/tenants", body: #"{"externalId": null}"#, status: .badRequest, code: "invalid_body"),
        Case(
            name: "unknown field", method: .post, path: "/v1/tenants", body: #"{"externalId": "a", "schema": "public"}"#, status: .badRequest,
            code: "invalid_body"),
        Case(name: "no body at all", method: .post, path: "/v1/tenants", status: .badRequest, code: "invalid_body", pointer: "/externalId"),
        Case(name: "empty body", method: .post, path: "/v1/tenants", body: "", status: .badRequest, code: "invalid_body"),
        Case(
            name: "empty external id", method: .post, path: "/v1/tenants", body: #"{"externalId": ""}"#, status: .unprocessableContent,
            code: "validation_failed", pointer: "/externalId"),
        Case(
            name: "over-long external id", method: .post, path: "/v1/tenants",
            body: #"{"externalId": "\#(String(repeating: "x", count: 129))"}"#,
            status: .unprocessableContent, code: "validation_failed", pointer: "/externalId"
        ),
        Case(
            name: "over-long display name", method: .post, path: "/v1/tenants",
            body: #"{"externalId": "a", "displayName": "\#(String(repeating: "é", count: 201))"}"#,
            status: .unprocessableContent, code: "validation_failed", pointer: "/displayName"
        ),
        Case(
            name: "control characters", method: .post, path: "/v1/tenants", body: #"{"externalId": "a\u0000b"}"#, status: .unprocessableContent,
            code: "validation_failed"),
        Case(
            name: "C1 control in an external id", method: .post, path: "/v1/tenants", body: #"{"externalId": "a\u0085b"}"#, status: .unprocessableContent,
            code: "validation_failed", pointer: "/externalId"),
        Case(
            name: "bidi override in an external id", method: .post, path: "/v1/tenants", body: #"{"externalId": "inv\u202Egpj.exe"}"#,
            status: .unprocessableContent, code: "validation_failed", pointer: "/externalId"),
        Case(
            name: "zero-width space in an external id", method: .post, path: "/v1/tenants", body: #"{"externalId": "hotel\u200B1"}"#,
            status: .unprocessableContent, code: "validation_failed", pointer: "/externalId"),
        Case(
            name: "no-break space in an external id", method: .post, path: "/v1/tenants", body: #"{"externalId": "hotel\u00A01"}"#,
            status: .unprocessableContent, code: "validation_failed", pointer: "/externalId"),
        Case(
            name: "bidi isolate in a display name", method: .post, path: "/v1/tenants", body: #"{"externalId": "a", "displayName": "Hotel \u2067Nord"}"#,
            status: .unprocessableContent, code: "validation_failed", pointer: "/displayName"),
        Case(
            name: "bidi override in a key label", method: .post, path: "/v1/tenants/{tenant}/api-keys", body: #"{"label": "ops\u202D"}"#,
            status: .unprocessableContent, code: "validation_failed", pointer: "/label"),
        Case(
            name: "over-long key label", method: .post, path: "/v1/tenants/{tenant}/api-keys", body: #"{"label": "\#(String(repeating: "l", count: 101))"}"#,
            status: .unprocessableContent, code: "validation_failed", pointer: "/label"),
        Case(
            name: "wrong content type", method: .post, path: "/v1/tenants", body: #"{"externalId": "a"}"#, contentType: "text/plain",
            status: .unsupportedMediaType, code: "unsupported_media_type"),
        Case(
            name: "body over 1 MiB", method: .post, path: "/v1/tenants", body: #"{"externalId": "\#(String(repeating: "x", count: 1 << 20))"}"#,
            status: .contentTooLarge, code: "payload_too_large"),
        Case(name: "tenant id not a UUID", method: .get, path: "/v1/tenants/not-a-uuid", status: .badRequest, code: "invalid_parameter"),
        Case(name: "tenant id with SQL", method: .get, path: "/v1/tenants/1%27%20OR%201=1", status: .badRequest, code: "invalid_parameter"),
        Case(name: "unknown tenant", method: .get, path: "/v1/tenants/0f8fad5b-d9cb-469f-a165-70867728950e", status: .notFound, code: "tenant_not_found"),
        Case(
            name: "unknown tenant on delete", method: .delete, path: "/v1/tenants/0f8fad5b-d9cb-469f-a165-70867728950e", status: .notFound,
            code: "tenant_not_found"),
        Case(
            name: "unknown tenant on keys", method: .post, path: "/v1/tenants/0f8fad5b-d9cb-469f-a165-70867728950e/api-keys", body: "{}", status: .notFound,
            code: "tenant_not_found"),
        Case(name: "limit zero", method: .get, path: "/v1/tenants?limit=0", status: .badRequest, code: "invalid_parameter"),
        Case(name: "limit too big", method: .get, path: "/v1/tenants?limit=101", status: .badRequest, code: "invalid_parameter"),
        Case(name: "limit not a number", method: .get, path: "/v1/tenants?limit=ten", status: .badRequest, code: "invalid_parameter"),
        Case(name: "forged cursor", method: .get, path: "/v1/tenants?cursor=Zm9v", status: .badRequest, code: "invalid_parameter"),
        Case(name: "missing key", method: .get, path: "/v1/tenants", key: .none, status: .unauthorized, code: "missing_api_key"),
        Case(name: "wrong key", method: .get, path: "/v1/tenants", key: .wrong, status: .unauthorized, code: "invalid_api_key"),
        Case(name: "not a bearer header", method: .get, path: "/v1/tenants", key: .malformedHeader, status: .unauthorized, code: "invalid_api_key"),
        Case(name: "unknown route", method: .get, path: "/v1/nothing-here", status: .notFound, code: "not_found"),
    ]

    @Test(arguments: cases)
    func answersWithItsCode(_ testCase: Case) async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("existing")
            var headers: HTTPFields = [:]
            if let contentType = testCase.contentType { headers[.contentType] = contentType }
            let key: String?? =
                switch testCase.key {
                case .platform: .none
                case .none: .some(nil)
                case .wrong: .some("folio_" + String(repeating: "A", count: 43))
                case .malformedHeader: .some(nil)
                }
            if testCase.key == .malformedHeader { headers[.authorization] = "Basic \(api.platformKey)" }
            let path = testCase.path.replacingOccurrences(of: "{tenant}", with: tenant)
            let response = try await api.send(testCase.method, path, key: key, json: testCase.body, headers: headers)

            #expect(response.status == testCase.status)
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try response.json()
            #expect(problem["code"] as? String == testCase.code)
            #expect(problem["status"] as? Int == testCase.status.code)
            #expect((problem["detail"] as? String)?.isEmpty == false)
            #expect(problem["requestId"] as? String != nil)
            if let pointer = testCase.pointer {
                let errors = problem["errors"] as? [[String: Any]] ?? []
                #expect(errors.contains { $0["pointer"] as? String == pointer }, "errors: \(errors)")
            }
            // Nothing about the problem echoes the caller's key.
            #expect(!String(buffer: response.body).contains(api.platformKey))
        }
    }

    @Test func anUnacceptableAcceptHeaderIsRefusedBeforeAnythingIsWritten() async throws {
        try await TestAPI.run { api in
            let refused = try await api.send(.post, "/v1/tenants", json: #"{"externalId":"a"}"#, headers: [.accept: "text/html"])
            #expect(refused.status == .notAcceptable)
            #expect(refused.problemCode == "not_acceptable")
            let accepted = try await api.send(.post, "/v1/tenants", json: #"{"externalId":"b"}"#, headers: [.accept: "text/html;q=0.9, application/*"])
            #expect(accepted.status == .created)
            let list = try await api.send(.get, "/v1/tenants").json()
            #expect((list["items"] as? [[String: Any]])?.compactMap { $0["externalId"] as? String } == ["b"])
        }
    }

    @Test func aDatabaseFailureAnswers503AndTheLogNeverHoldsTheKey() async throws {
        let logs = CapturedLogs()
        try await TestAPI.run(logs: logs) { api in
            try await api.database.query("DROP TABLE folio.api_keys, folio.tenants CASCADE", logger: TestDatabase.logger)
            let response = try await api.send(.get, "/v1/tenants")
            #expect(response.status == .serviceUnavailable)
            #expect(response.problemCode == "service_unavailable")
            #expect(logs.text.contains("request failed"))
            #expect(!logs.text.contains(api.platformKey))
        }
    }

    @Test func badRequestsLeaveNoTenantBehind() async throws {
        try await TestAPI.run { api in
            for body in [#"{"externalId": ""}"#, #"{"externalId": 1}"#, #"{"externalId": "a", "x": 1}"#] {
                _ = try await api.send(.post, "/v1/tenants", json: body)
            }
            let list = try await api.send(.get, "/v1/tenants").json()
            #expect((list["items"] as? [Any])?.isEmpty == true)
        }
    }
}

/// Paths the API does not have are answered after the key is checked, as every other path is.
@Suite struct UnknownPathTests {
    @Test func anUnknownPathNeedsAKeyBeforeItIsNotFound() async throws {
        try await TestAPI.run { api in
            for path in ["/v1/anything", "/v1/tenants/\(UUID())/nothing", "/nowhere"] {
                let anonymous = try await api.send(.get, path, key: .some(nil))
                #expect(anonymous.status == .unauthorized, "\(path)")
                #expect(anonymous.problemCode == "missing_api_key", "\(path)")
                let wrongKey = try await api.send(.get, path, key: .some("folio_" + String(repeating: "x", count: 40)))
                #expect(wrongKey.problemCode == "invalid_api_key", "\(path)")
                let known = try await api.send(.get, path)
                #expect(known.status == .notFound, "\(path)")
                #expect(known.problemCode == "not_found", "\(path)")
            }
            // The provider's route answers in its own format, key or none.
            #expect(try await api.notify(UUID().uuidString, body: Data("{}".utf8), signature: nil)["status"] as? String == "error")
        }
    }
}
