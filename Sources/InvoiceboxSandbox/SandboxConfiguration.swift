import Foundation

/// How the sandbox behaves where Invoicebox's sources leave a choice (invoicebox-api.md §18).
package struct SandboxConfiguration: Sendable {
    /// The host platform's partner account, for invite and activation.
    package var partnerID = "7d0c1f52-4a3b-4e59-9c1d-2b3a4c5d6e7f"
    package var partnerToken = "sandbox-partner-token-0123456789abcdef"
    /// Requests per token per window before 429; 0 turns the limit off.
    package var requestsPerToken = 100
    /// Requests per client address per window before 429; 0 turns the limit off.
    package var requestsPerAddress = 500
    package var rateWindow: Duration = .seconds(30)
    /// Where payment links point; the path ends with `/order/<orderContainerId>` as in real payloads.
    package var paymentPageBaseURL = "https://pay.sandbox.invalid"
    /// Whether a reused `merchantOrderId` is refused, as documented (the live API may not).
    package var refuseDuplicateMerchantOrderIDs = true
    /// Whether an activation code works more than once, answering the same shop again. The
    /// reference leaves open what the provider answers for a code it no longer takes
    /// (invoicebox-api.md §8.3, §19 #12); a code that becomes a shop's token is very likely
    /// single-use, so by default a second use is refused like an unknown code. Set it to test a
    /// provider that turns out to take a code again.
    package var reusableActivationCodes = false
    /// Whether an error's `fields` is an object keyed by field name rather than the documented
    /// array of `{name, code, message}` (invoicebox-api.md §4.2 rests on a single fixture).
    package var fieldErrorsAsObject = false
    /// Order answers write timestamps without an offset (`2024-08-01T09:15:00`, meaning UTC), as
    /// the provider's own filter examples do (invoicebox-api.md §3.5).
    package var timestampsWithoutOffset = false
    /// Order answers quote their amounts (`"13740.00"`) instead of writing JSON numbers.
    package var amountsAsStrings = false
    /// Order answers carry `"error": null` beside their data.
    package var nullErrorInSuccess = false
    /// Order answers spell a canceled order `cancelled`, as the non-processing status change does
    /// (invoicebox-api.md §10.1, §19 #19).
    package var cancelledSpelling = false
    /// Waits before the 2nd, 3rd, … delivery of a notification: 10 more attempts, spread over a
    /// day in real life; tests shrink them.
    package var notificationRetryDelays: [Duration] = [
        .seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(900),
        .seconds(1800), .seconds(3600), .seconds(7200), .seconds(21600), .seconds(43200),
    ]
    /// The provider waits at most 20 s for a notification's answer.
    package var notificationTimeout: Duration = .seconds(20)
    /// Seed the published demo shop (token `b37c…d42e`, merchant `ffffffff-…`).
    package var seedDemoShop = true
    /// Whether the undocumented single-order route is served, or answered 404 as an unknown path
    /// would be, or 405 (invoicebox-api.md §9.6, §19 #5).
    package var singleOrderRoute: SandboxSingleOrderRoute = .served
    /// Which paging spelling is taken; the other is refused with 422 (invoicebox-api.md §9.5,
    /// §19 #3). Both by default, as the reference asks of a simulator.
    package var pagingSpelling: SandboxPagingSpelling = .both
    /// Whether the shop is notified when a paid order is canceled (a guarantee payment reversed).
    /// The reference does not say whether a `completed` notification is ever followed by a
    /// `canceled` one (invoicebox-api.md §10.2); off, the shop learns it only by reading the order.
    package var notifiesReversals = true
    /// Whether `PUT` updates a paid order too, as the PMS scenario suggests, instead of refusing
    /// it with `wrong_order_status` as the update page's "before payment only" implies
    /// (invoicebox-api.md §9.7, §19 #17).
    package var updatesPaidOrders = false
    /// Which shipment list paths answer: the documented filter path, the path the official
    /// client calls, or both (invoicebox-api.md §13.2, §19 #4).
    package var shipmentListRoutes: SandboxShipmentListRoutes = .both
    /// Whether the shipment lists ignore `orderId` and answer every shipment of the shop, as the
    /// official client fears a filter may (invoicebox-api.md §13.2).
    package var shipmentListIgnoresOrderFilter = false
    /// The most rows a list page holds whatever `pageSize` asks, as a provider that clamps it
    /// would answer (the reference documents no maximum; the official client asks 50 at most,
    /// invoicebox-api.md §9.5). `metaData.pageSize` reports the size used. 0, the default, clamps
    /// nothing; a list asked without a page size has the documented default of 30 either way.
    package var maximumPageSize = 0
    /// Whether list answers leave `totalCount` out of their `metaData`, so that a client can only
    /// tell the last page by its size (the reference rests the field on the documentation alone).
    package var omitsTotalCount = false

    package init() {}

    /// Delays a thousand times shorter, for tests and local demos.
    package static var fast: SandboxConfiguration {
        var configuration = SandboxConfiguration()
        configuration.notificationRetryDelays = Array(repeating: .milliseconds(50), count: 10)
        configuration.notificationTimeout = .seconds(5)
        return configuration
    }
}
