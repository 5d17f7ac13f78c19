import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxSandbox
import Testing

@Suite(.serialized) struct EventFeedTests {
    @Test func theFeedPagesThroughEveryEventInSequence() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("feed")
            for number in 0..<4 { _ = try await api.openInvoice(tenant, merchantID: merchantID, reservationID: "F-\(number)") }
            var after: String? = "0"
            var sequences: [Int] = []
            var types: [String] = []
            while let cursor = after {
                let page = try await api.send(.get, "/v1/tenants/\(tenant)/events?after=\(cursor)&limit=2").json()
                let items = page["items"] as? [[String: Any]] ?? []
                #expect(items.count <= 2)
                sequences += items.compactMap { $0["sequence"] as? Int }
                types += items.compactMap { $0["type"] as? String }
                after = page["nextCursor"] as? String
            }
            #expect(sequences == [1, 2, 3, 4, 5])
            #expect(types == ["invoicing.activated"] + Array(repeating: "invoice.created", count: 4))
            let last = try await api.send(.get, "/v1/tenants/\(tenant)/events?after=5").json()
            #expect((last["items"] as? [Any])?.isEmpty == true)
            #expect(last["nextCursor"] == nil)
            let first = try #require((try await api.send(.get, "/v1/tenants/\(tenant)/events?limit=2").json()["items"] as? [[String: Any]])?[1])
            #expect(first["reservationId"] as? String == "F-0")
            let data = try #require(first["data"] as? [String: Any])
            #expect(data["status"] as? String == "open")
            #expect(data["amount"] as? Int == 1_070_100)
            #expect((data["paymentUrl"] as? String)?.isEmpty == false)
        }
    }

    @Test func disablingInvoicingIsAnEvent() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("leaving")
            #expect(try await api.send(.delete, "/v1/tenants/\(tenant)/invoicing").status == .ok)
            let items = try await api.send(.get, "/v1/tenants/\(tenant)/events").json()["items"] as? [[String: Any]] ?? []
            #expect(items.compactMap { $0["type"] as? String } == ["invoicing.activated", "invoicing.disabled"])
            #expect((items.first?["data"] as? [String: Any])?["merchantId"] as? String == merchantID)
            #expect(items.allSatisfy { $0["invoiceId"] == nil && $0["tenantId"] as? String == tenant })
        }
    }

    @Test func badFeedParametersAreProblemsAndOtherTenantsAreNotFound() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("feed-owner")
            let other = try await api.createTenant("feed-stranger")
            let strangerKey = try await api.createTenantKey(other)
            for query in ["after=-1", "after=x", "limit=0", "limit=101", "after=99999999999999999999"] {
                let response = try await api.send(.get, "/v1/tenants/\(tenant)/events?\(query)")
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.problemCode != nil, "\(query)")
            }
            let hidden = try await api.send(.get, "/v1/tenants/\(tenant)/events", key: .some(strangerKey))
            #expect(hidden.status == .notFound)
            let missing = try await api.send(.get, "/v1/tenants/\(UUID().uuidString)/events")
            #expect(missing.status == .notFound)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/events", key: .some(nil)).status == .unauthorized)
        }
    }
}
