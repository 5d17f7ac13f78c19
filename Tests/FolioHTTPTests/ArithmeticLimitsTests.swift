import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxAdapter
import InvoicingService
import PaymentsPort
import Testing

/// Money arithmetic driven with extreme values: every input either prices exactly or is refused
/// with a field error; none may trap, since a trap takes every tenant down with the process.
@Suite struct ArithmeticLimitsTests {
    /// The edges of every bound, and values whose products or sums leave 64 bits.
    static let extremes: [Int64] = [
        .min, -1_000_000_000_000, -1, 0, 1, 2, 99, 100, 101,
        999_999, 1_000_000, 1_000_001,
        999_999_999_999, 1_000_000_000_000, 1_000_000_000_001,
        MinorUnits.largestInvoiceTotal - 1, MinorUnits.largestInvoiceTotal, MinorUnits.largestInvoiceTotal + 1,
        200_000_000_000_000_000, 419_244_000_000_000_000, 1_000_000_000_000_000_000,
        Int64.max / 100, Int64.max / 22, Int64.max / 2, Int64.max - 1, .max,
    ]

    static func anyAmount(_ random: inout SplitMix64) -> Int64 {
        random.next() % 3 == 0 ? Int64(bitPattern: random.next()) : extremes[Int(random.next() % UInt64(extremes.count))]
    }

    @Test(arguments: VATCode.allCases)
    func includedVATNeverTrapsAndNeverExceedsTheAmount(code: VATCode) {
        for amount in Self.extremes {
            let vat = code.includedVAT(in: MinorUnits(amount))
            #expect(vat.value.magnitude <= amount.magnitude, "\(code) of \(amount)")
            if amount >= 0 { #expect(vat.value >= 0) }
        }
        // The exact figure at the largest amount: 10^15 × 22 / 122, half-up.
        #expect(VATCode.twentyTwo.includedVAT(in: MinorUnits(MinorUnits.largestInvoiceTotal)).value == 180_327_868_852_459)
        // Where 64 bits used to overflow (amount × 22): the same rule, exactly.
        #expect(VATCode.twentyTwo.includedVAT(in: MinorUnits(Int64.max)).value == 1_663_231_023_039_385_801)
    }

    @Test func basketPricingRefusesEveryLineOutsideItsBoundsAndPricesTheRest() {
        var random = SplitMix64(state: 2026)
        for _ in 0..<20_000 {
            let quantity = Self.anyAmount(&random)
            let unitPrice = Self.anyAmount(&random)
            let code = VATCode.allCases[Int(random.next() % UInt64(VATCode.allCases.count))]
            let request = BasketLineRequest(sku: "S", name: "n", quantity: quantity, unitPrice: MinorUnits(unitPrice), vatCode: code)
            let inBounds =
                BasketError.quantities.contains(quantity) && BasketError.unitPrices.contains(unitPrice)
                && unitPrice.multipliedReportingOverflow(by: quantity).partialValue <= BasketError.totals.upperBound
            do {
                let line = try Basket.price(request)
                #expect(inBounds, "priced q=\(quantity) p=\(unitPrice)")
                #expect(line.totalAmount.value == unitPrice * quantity)
                #expect(line.totalVATAmount.value <= line.totalAmount.value)
            } catch {
                #expect(!inBounds, "refused q=\(quantity) p=\(unitPrice): \(error)")
            }
        }
    }

    @Test func orderTotalsOfManyLargeLinesAreRefusedNotOverflowed() throws {
        let line = try Basket.price(
            BasketLineRequest(
                sku: "S", name: "n", quantity: 1_000, unitPrice: MinorUnits(1_000_000_000_000), vatCode: .twentyTwo
            ))
        #expect(line.totalAmount.value == MinorUnits.largestInvoiceTotal)
        #expect(try Basket.totals(of: [line]).amount.value == MinorUnits.largestInvoiceTotal)
        #expect(throws: BasketError.totalOutOfRange) { try Basket.totals(of: Array(repeating: line, count: 100)) }
    }

    @Test func invoiceValidationAnswersFieldErrorsForEveryExtremeBasket() {
        var random = SplitMix64(state: 77)
        let ceiling = MinorUnits.largestInvoiceTotal
        for round in 0..<2_000 {
            let count = Int(random.next() % 12) + 1
            let items = (0..<count).map { index in
                InvoiceRequest.Item(
                    sku: "S\(index)", name: "Night", quantity: Self.anyAmount(&random), unitPrice: Self.anyAmount(&random), vatCode: .twentyTwo
                )
            }
            let request = InvoiceRequest(
                reservationID: "R\(round)", description: "Stay", currency: .rub,
                customer: .init(kind: .private, email: "guest@example.org"), items: items
            )
            let violations = request.violations(maximumAmount: ceiling, rules: InvoiceboxOrderRules())
            // What validation lets through is exactly what fits: every line in bounds and the sum
            // at most the ceiling, computed here in 128 bits.
            let fits =
                items.allSatisfy { BasketError.quantities.contains($0.quantity) && BasketError.unitPrices.contains($0.unitPrice) }
                && items.reduce(Int128(0)) { $0 + Int128($1.quantity) * Int128($1.unitPrice) } <= Int128(ceiling)
            #expect(violations.isEmpty == fits, "round \(round): \(items.map { ($0.quantity, $0.unitPrice) }) → \(violations)")
            #expect(violations.allSatisfy { $0.pointer.hasPrefix("/items") })
        }
    }

    @Test func refundAmountsOutsideTheBoundsAreFieldErrors() {
        for amount in Self.extremes {
            let expectedValid = (1...MinorUnits.largestInvoiceTotal).contains(amount)
            #expect(RefundRequest(amount: amount).violations().isEmpty == expectedValid, "amount \(amount)")
            let lines = RefundRequest(lines: [.init(sku: "ROOM", amount: amount), .init(sku: "BRKF", amount: 1)]).violations()
            #expect(lines.isEmpty == expectedValid, "line amount \(amount)")
            if !expectedValid { #expect(lines.map(\.pointer) == ["/items/0/amount"]) }
        }
    }

    /// The request that used to kill the process: ten lines of 10^6 × 10^12, for a tenant whose
    /// invoicing is not even enabled.
    @Test func anOverflowingBasketIsA422AndTheServiceStaysUp() async throws {
        try await TestAPI.run { api in
            let tenant = try await api.createTenant("overflow")
            let items = (0..<10).map { #"{"sku":"S\#($0)","name":"Night","quantity":1000000,"unitPrice":1000000000000,"vatCode":"RUS_VAT22"}"# }
            let body =
                #"{"reservationId":"R1","description":"Stay","currency":"RUB","customer":{"type":"private","email":"g@example.org"},"items":[\#(items.joined(separator: ","))]}"#
            let response = try await api.createInvoice(tenant, body: body)
            #expect(response.status == .unprocessableContent)
            #expect(response.problemCode == "validation_failed")
            let errors = (try response.json()["errors"] as? [[String: Any]]) ?? []
            #expect(errors.contains { $0["pointer"] as? String == "/items" && $0["code"] as? String == "amount_too_large" })

            // Values beyond 64 bits are a malformed body, not a crash.
            let huge = body.replacingOccurrences(of: "1000000000000,", with: "99999999999999999999999,")
            #expect(try await api.createInvoice(tenant, body: huge).status == .badRequest)
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)").status == .ok)
        }
    }

    @Test func refundsWithExtremeAmountsAreRefusedOnTheirField() async throws {
        try await TestAPI.run { api in
            let (tenant, _) = try await api.activeTenant("extreme-refunds")
            let (invoice, _) = try await api.paidInvoice(tenant)
            let refunds = "/v1/tenants/\(tenant)/invoices/\(invoice)/refunds"
            for amount in [Int64.max, MinorUnits.largestInvoiceTotal + 1, 0, -1, .min] {
                let whole = try await api.send(.post, refunds, json: #"{"amount":\#(amount)}"#)
                #expect(whole.status == .unprocessableContent, "amount \(amount)")
                #expect((try whole.json()["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/amount")
                let line = try await api.send(.post, refunds, json: #"{"items":[{"sku":"ROOM","amount":\#(amount)},{"sku":"BRKF","amount":\#(amount)}]}"#)
                #expect(line.status == .unprocessableContent, "line amount \(amount)")
            }
            // Nothing was given back by any of them.
            let after = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoice)").json()
            #expect(after["refundedAmount"] as? Int == 0)
        }
    }
}
