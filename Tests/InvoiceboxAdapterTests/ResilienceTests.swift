import AsyncHTTPClient
import FolioDomain
import FolioTestSupport
import Foundation
import InvoiceboxSandbox
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

/// Timeouts, 429 storms, 5xx, lost responses and malformed bodies, injected by the sandbox.
@Suite struct ResilienceTests {
    @Test func readsAreRetriedThroughTransientFailures() async throws {
        try await SandboxHarness.run { harness async throws in
            let order = try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            try await harness.injectFault(#"{"kind":"status","status":503,"method":"GET","count":2}"#)
            #expect(try await harness.gateway.order(id: order.id, shop: harness.shop)?.id == order.id)
            try await harness.injectFault(#"{"kind":"status","status":429,"retryAfterSeconds":0,"method":"GET","count":2}"#)
            #expect(try await harness.gateway.order(id: order.id, shop: harness.shop)?.id == order.id)
            // Both faults were used up by retries: a read without retries now goes straight through.
            var client = SandboxHarness.fastClient
            client.readAttempts = 1
            let oneShot = InvoiceboxGateway(http: .shared, configuration: client, logger: SandboxHarness.logger)
            #expect(try await oneShot.order(id: order.id, shop: harness.shop)?.id == order.id)
        }
    }

    @Test func aReadGivesUpAfterItsAttempts() async throws {
        try await SandboxHarness.run { harness async throws in
            try await harness.injectFault(#"{"kind":"status","status":500,"method":"GET","count":3}"#)
            let error = await #expect(throws: PaymentError.self) {
                try await harness.gateway.order(id: UUID().uuidString, shop: harness.shop)
            }
            #expect(error == .unavailable(retryAfterSeconds: nil, ProviderDiagnostics(cause: "unavailable", httpStatus: 500, requestID: error?.requestID)))
        }
    }

    @Test func aLongRetryAfterIsNotWaitedFor() async throws {
        try await SandboxHarness.run { harness async throws in
            await harness.assumePagingSpelling()
            try await harness.injectFault(#"{"kind":"status","status":429,"retryAfterSeconds":3600,"method":"GET","count":1}"#)
            let error = await #expect(throws: PaymentError.self) {
                try await harness.gateway.listOrders(OrderQuery(), shop: harness.shop)
            }
            guard case .rateLimited(let seconds, _)? = error else {
                Issue.record("expected rateLimited, got \(String(describing: error))")
                return
            }
            #expect(seconds == 3600)
        }
    }

    @Test func aWriteIsNeverRetriedBlindly() async throws {
        try await SandboxHarness.run { harness async throws in
            try await harness.injectFault(#"{"kind":"status","status":500,"method":"POST","count":1}"#)
            let error = await #expect(throws: PaymentError.self) {
                try await harness.gateway.createOrder(harness.draft(), shop: harness.shop)
            }
            // The sandbox refused before creating anything, and the lookup found nothing.
            #expect(error == .outcomeUnknown(ProviderDiagnostics(cause: "outcome_unknown", requestID: error?.requestID, operation: "create order")))
            #expect(try await harness.orderCount() == 0)
        }
    }

    @Test func aLostResponseAfterCreationLeavesExactlyOneOrder() async throws {
        try await SandboxHarness.run { harness async throws in
            try await harness.injectFault(#"{"kind":"drop_response","method":"POST","pathContains":"/order/order","count":1}"#)
            let draft = harness.draft("LOST-1")
            let order = try await harness.gateway.createOrder(draft, shop: harness.shop)
            #expect(order.merchantOrderID == "LOST-1")
            #expect(try await harness.orderCount() == 1)
        }
    }

    @Test func aWriteThatTimesOutIsAdoptedToo() async throws {
        var client = SandboxHarness.fastClient
        client.writeBudget = .milliseconds(300)
        try await SandboxHarness.run(client: client) { harness async throws in
            try await harness.injectFault(#"{"kind":"hang","milliseconds":1500,"method":"POST","count":1}"#)
            let order = try await harness.gateway.createOrder(harness.draft("SLOW-1"), shop: harness.shop)
            #expect(order.merchantOrderID == "SLOW-1")
            #expect(try await harness.orderCount() == 1)
        }
    }

    @Test func aMalformedBodyIsATypedError() async throws {
        try await SandboxHarness.run { harness async throws in
            await harness.assumePagingSpelling()
            try await harness.injectFault(#"{"kind":"malformed_body","method":"GET","count":1}"#)
            let error = await #expect(throws: PaymentError.self) {
                try await harness.gateway.listOrders(OrderQuery(), shop: harness.shop)
            }
            guard case .outcomeUnknown(let diagnostics)? = error, diagnostics.cause == "malformed_response", diagnostics.httpStatus == 200 else {
                Issue.record("expected a malformed response, got \(String(describing: error))")
                return
            }
            #expect(diagnostics.requestID != nil)
        }
    }

    @Test func aStormOf429sIsWeatheredByWaitingRetryAfter() async throws {
        let clock = TestClock()
        var client = SandboxHarness.fastClient
        client.clock = clock
        client.readBudget = .seconds(30)
        try await SandboxHarness.run(client: client) { harness async throws in
            await harness.assumePagingSpelling()
            try await harness.injectFault(#"{"kind":"status","status":429,"retryAfterSeconds":2,"method":"GET","count":2}"#)
            let read = Task { _ = try await harness.gateway.listOrders(OrderQuery(), shop: harness.shop) }
            for _ in 0..<2 {
                try await eventually { clock.sleeperCount == 1 }
                clock.advance(by: .seconds(1))
                #expect(clock.sleeperCount == 1, "the retry waits for the whole Retry-After")
                clock.advance(by: .seconds(1))
            }
            try await read.value
        }
    }

    @Test func theClientSideLimiterKeepsTheShopUnderTheProvidersLimit() async throws {
        // The provider's own limit counts real time: ten requests for the whole test.
        var sandbox = SandboxConfiguration.fast
        sandbox.requestsPerToken = 10
        sandbox.rateWindow = .seconds(600)
        let clock = TestClock()
        var client = SandboxHarness.fastClient
        client.clock = clock
        client.requestsPerWindow = 5
        client.window = .seconds(30)
        client.readBudget = .seconds(60)
        client.readAttempts = 1
        try await SandboxHarness.run(sandbox: sandbox, client: client) { harness async throws in
            await harness.assumePagingSpelling()
            let answered = AnswerTally()
            let reads = Task {
                for _ in 0..<10 {
                    _ = try await harness.gateway.listOrders(OrderQuery(), shop: harness.shop)
                    await answered.add()
                }
            }
            // With one attempt a 429 would surface; the sixth read waits for a slot instead.
            try await eventually { clock.sleeperCount == 1 }
            #expect(await answered.count == 5)
            clock.advance(by: .seconds(29))
            #expect(clock.sleeperCount == 1, "no slot frees before the window has passed")
            #expect(await answered.count == 5)
            clock.advance(by: .seconds(1))
            try await reads.value
            #expect(await answered.count == 10)
        }
    }

    @Test func theCircuitOpensAfterRepeatedFailures() async throws {
        var client = SandboxHarness.fastClient
        client.readAttempts = 1
        client.breakerThreshold = 3
        client.breakerOpenFor = .seconds(60)
        try await SandboxHarness.run(client: client) { harness async throws in
            try await harness.injectFault(#"{"kind":"status","status":503,"method":"GET","count":3}"#)
            for _ in 0..<3 {
                await #expect(throws: PaymentError.self) { try await harness.gateway.listOrders(OrderQuery(), shop: harness.shop) }
            }
            // The sandbox would answer now, but the breaker does not ask it.
            let error = await #expect(throws: PaymentError.self) { try await harness.gateway.listOrders(OrderQuery(), shop: harness.shop) }
            guard case .unavailable(_?, let diagnostics)? = error, diagnostics.cause == "circuit_open" else {
                Issue.record("expected circuitOpen, got \(String(describing: error))")
                return
            }
        }
    }
}

/// Counts the calls a background task has had answered.
private actor AnswerTally {
    private(set) var count = 0

    func add() { count += 1 }
}
