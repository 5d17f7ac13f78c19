import FakturowniaSandbox
import Foundation
import NIOHTTP1
import Testing

/// `GET /invoices.json` (§5): page numbers, the per_page cap, the 12-month default period, filters.
@Suite struct ListingTests {
    static func date(monthsAgo: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Warsaw")!
        let date = calendar.date(byAdding: .month, value: -monthsAgo, to: Date())!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    @Test func pagesAreNumberedAndTheLastOneIsShort() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            for index in 1...5 { _ = try await tenant.createInvoice(["oid": "r-\(index)"]) }
            let first = try await tenant.get("/invoices.json", ["page": "1", "per_page": "2"]).array
            let second = try await tenant.get("/invoices.json", ["page": "2", "per_page": "2"]).array
            let third = try await tenant.get("/invoices.json", ["page": "3", "per_page": "2"]).array
            let fourth = try await tenant.get("/invoices.json", ["page": "4", "per_page": "2"])
            #expect(first.count == 2 && second.count == 2 && third.count == 1)
            #expect(fourth.status == 200)
            #expect(fourth.array.isEmpty)
            let ids = (first + second + third).compactMap { $0["id"] as? Int }
            #expect(Set(ids).count == 5)
            // Without per_page, 25 rows; the list carries no positions unless asked.
            let all = try await tenant.get("/invoices.json")
            #expect(all.array.count == 5)
            #expect(all.array.first?["positions"] == nil)
            #expect(try await tenant.get("/invoices.json", ["include_positions": "true"]).array.first?["positions"] != nil)
        }
    }

    @Test func perPageAbove100IsCappedByDefaultAndRefusedWhenSoSet() async throws {
        try await Fixture.withSandbox { sandbox, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            for _ in 1...101 { _ = try await tenant.createInvoice() }
            let capped = try await tenant.get("/invoices.json", ["per_page": "150"])
            #expect(capped.status == 200)
            #expect(capped.array.count == 100)
            await sandbox.state.updateConfiguration { $0.perPageOverLimit = .refuse }
            let refused = try await tenant.get("/invoices.json", ["per_page": "150"])
            #expect(refused.status == 422)
            #expect(refused.fieldErrors["per_page"] != nil)
            #expect(try await tenant.get("/invoices.json", ["per_page": "100"]).array.count == 100)
        }
    }

    @Test func theDefaultPeriodIsTheLast12MonthsByIssueDate() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            _ = try await tenant.createInvoice(["oid": "recent", "issue_date": Self.date(monthsAgo: 11)])
            _ = try await tenant.createInvoice(["oid": "old", "issue_date": Self.date(monthsAgo: 13)])
            _ = try await tenant.createInvoice(["oid": "older", "issue_date": Self.date(monthsAgo: 30)])
            let oids = { (reply: FakturowniaClient.Reply) in Set(reply.array.compactMap { $0["oid"] as? String }) }
            #expect(oids(try await tenant.get("/invoices.json")) == ["recent"])
            #expect(oids(try await tenant.get("/invoices.json", ["period": "all"])) == ["recent", "old", "older"])
            let range = try await tenant.get(
                "/invoices.json", ["period": "more", "date_from": Self.date(monthsAgo: 14), "date_to": Self.date(monthsAgo: 12)])
            #expect(oids(range) == ["old"])
            // The `oid` look-up obeys the period too: an old reservation needs period=all.
            #expect(try await tenant.get("/invoices.json", ["oid": "older"]).array.isEmpty)
            #expect(try await tenant.get("/invoices.json", ["oid": "older", "period": "all"]).array.count == 1)
            #expect(try await tenant.get("/invoices.json", ["period": "more"]).status == 422)
        }
    }

    @Test func orderUpdatedAtDescendingPutsTheLastChangeFirst() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let first = try #require(try await tenant.createInvoice(["oid": "a"]).object["id"] as? Int)
            _ = try await tenant.createInvoice(["oid": "b"])
            try await Task.sleep(for: .milliseconds(20))
            _ = try await tenant.write(.PUT, "/invoices/\(first).json", ["invoice": ["buyer_name": "Changed"]])
            let rows = try await tenant.get("/invoices.json", ["order": "updated_at.desc"]).array
            #expect(rows.compactMap { $0["oid"] as? String } == ["a", "b"])
        }
    }
}
