import FakturowniaAdapter
import FakturowniaSandbox
import FolioDomain
import Foundation
import Testing

/// A create whose answer is lost is looked up by `oid`, never sent twice (§4 idempotency, §10).
@Suite struct CrashSafeCreateTests {
    @Test func aLostAnswerIsFollowedByALookupAndLeavesExactlyOneInvoice() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            await harness.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: "/invoices.json"))
            let invoice = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            #expect(invoice.oid == "res-1")
            #expect(invoice.totalGross == MinorUnits(48_199))
            #expect(await harness.requests("POST", "/invoices.json", prefix: "hotel").count == 1)
            let lookups = await harness.requests("GET", "/invoices.json", prefix: "hotel")
            #expect(lookups.count == 1)
            #expect(lookups.first?.redactedQuery.contains("oid=res-1") == true)
            #expect(try await harness.gateway.invoices(page: 1, in: account).map(\.id) == [invoice.id])
        }
    }

    @Test func aPostAnswered503IsNotRepeatedAndNothingIsFoundSoTheCallFails() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            await harness.inject(FakturowniaFault(kind: .status, method: "POST", pathContains: "/invoices.json", status: 503))
            let error = await #expect(throws: FakturowniaGatewayError.self) {
                _ = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            }
            #expect(error == .unavailable(status: 503))
            #expect(await harness.requests("POST", "/invoices.json", prefix: "hotel").count == 1)
            #expect(await harness.requests("GET", "/invoices.json", prefix: "hotel").count == 1)
            #expect(harness.sleeps.recorded.isEmpty)
            #expect(try await harness.gateway.invoices(page: 1, in: account).isEmpty)
        }
    }

    @Test func aLostAnswerWhoseLookupFailsTooIsAnUnknownOutcome() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            await harness.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: "/invoices.json"))
            await harness.inject(FakturowniaFault(kind: .status, method: "GET", pathContains: "/invoices.json", status: 500, count: 3))
            let error = await #expect(throws: FakturowniaGatewayError.self) {
                _ = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            }
            #expect(error == .outcomeUnknown(operation: "create invoice"))
            #expect(await harness.requests("POST", "/invoices.json", prefix: "hotel").count == 1)
            // The invoice was made; the next create of the same oid adopts it.
            let adopted = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            #expect(try await harness.gateway.invoices(page: 1, in: account).map(\.id) == [adopted.id])
        }
    }

    @Test func oidUniqueMakesASecondCreateAdoptTheFirstInvoice() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let first = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            let second = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            #expect(second.id == first.id)
            #expect(await harness.requests("POST", "/invoices.json", prefix: "hotel").count == 2)
            #expect(try await harness.gateway.invoices(page: 1, in: account).count == 1)
        }
    }

    @Test func anInvoiceUnderTheOidWithOtherFiguresIsNotAdopted() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let first = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            let error = await #expect(throws: FakturowniaGatewayError.self) {
                _ = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1", lodging: 50_000), in: account)
            }
            #expect(error == .existingInvoiceDiffers(invoiceID: first.id))
            #expect(try await harness.gateway.invoices(page: 1, in: account).count == 1)
        }
    }
}
