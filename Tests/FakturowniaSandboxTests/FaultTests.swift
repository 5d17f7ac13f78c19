import FakturowniaSandbox
import Foundation
import NIOHTTP1
import Testing

/// Injected faults: rate limiting and server errors the reference cannot document (§10, §11).
@Suite struct FaultTests {
    @Test func statusFaultsAnswerWithoutHandlingAndAreUsedUp() async throws {
        try await Fixture.withSandbox { _, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            let injected = try await client.send(
                .POST, "/__sandbox/faults", json: ["kind": "status", "status": 429, "method": "POST", "path_contains": "/invoices.json", "count": 2])
            #expect(injected.status == 201)
            #expect(try await tenant.createInvoice().status == 429)
            #expect(try await tenant.createInvoice().status == 429)
            #expect(try await tenant.get("/invoices.json").array.isEmpty)
            #expect(try await tenant.createInvoice().status == 201)
            await client.send503(path: "/invoices.json")
            #expect(try await tenant.get("/invoices.json").status == 503)
        }
    }

    @Test func aDroppedResponseStillDoesTheWork() async throws {
        try await Fixture.withSandbox { sandbox, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            await sandbox.state.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: "/invoices.json"))
            let lost = try await tenant.createInvoice(["oid": "res-1", "oid_unique": "yes"])
            #expect(lost.status == 502)
            #expect(try await tenant.get("/invoices.json", ["oid": "res-1"]).array.count == 1)
            #expect(try await tenant.createInvoice(["oid": "res-1", "oid_unique": "yes"]).status == 422)
        }
    }

    @Test func malformedBodiesAndDelays() async throws {
        try await Fixture.withSandbox { sandbox, client in
            let tenant = try await Fixture.openAccount("hotel", client: client)
            await sandbox.state.inject(FakturowniaFault(kind: .malformedBody, method: "GET"))
            let malformed = try await tenant.get("/invoices.json")
            #expect(malformed.status == 200)
            #expect(malformed.text.hasPrefix("<html>"))
            await sandbox.state.inject(FakturowniaFault(kind: .delay, milliseconds: 300))
            let start = ContinuousClock.now
            #expect(try await tenant.get("/invoices.json").status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(300))
            _ = try await client.send(.POST, "/__sandbox/faults", json: ["kind": "status", "status": 500])
            #expect(try await client.send(.DELETE, "/__sandbox/faults").status == 200)
            #expect(try await tenant.get("/invoices.json").status == 200)
        }
    }
}

extension FakturowniaClient {
    func send503(path: String) async {
        _ = try? await send(.POST, "/__sandbox/faults", json: ["kind": "status", "status": 503, "path_contains": path])
    }
}
