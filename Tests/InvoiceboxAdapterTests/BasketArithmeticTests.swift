import FolioDomain
import FolioTestSupport
import Foundation
import JSONWire
import PaymentsPort
import Testing

@testable import InvoiceboxAdapter

@Suite struct BasketArithmeticTests {
    @Test func minorUnitsBecomeDecimalsWithExactlyTwoFractionDigits() {
        #expect(MinorUnits(1_374_000).decimalString == "13740.00")
        #expect(MinorUnits(30).decimalString == "0.30")
        #expect(MinorUnits(5).decimalString == "0.05")
        #expect(MinorUnits(-1205).decimalString == "-12.05")
        #expect(MinorUnits(0).decimalString == "0.00")
        // 0.1 + 0.2 in minor units is exactly 0.30, never 0.30000000000000004.
        #expect((MinorUnits(10) + MinorUnits(20)).decimalString == "0.30")
    }

    @Test func theReferenceHotelOrderComesOutToTheKopeck() throws {
        let draft = OrderDraft(
            merchantOrderID: "PMS-2024-000123", description: "Проживание", currency: .rub, language: "ru",
            expiresAt: Date(timeIntervalSince1970: 1_723_323_599),
            customer: OrderCustomer(kind: .private, name: "Ирина Соколова", phone: "79161234567", email: "guest@example.org"),
            lines: [
                OrderLine(
                    basket: BasketLineRequest(sku: "ROOM-STD-2N", name: "Проживание", quantity: 2, unitPrice: MinorUnits(600_000), vatCode: .twenty),
                    serviceDate: "2024-08-12"),
                OrderLine(basket: BasketLineRequest(sku: "BRKF", name: "Завтрак", quantity: 2, unitPrice: MinorUnits(75_000), vatCode: .twenty)),
                OrderLine(basket: BasketLineRequest(sku: "CITY-FEE", name: "Сбор", quantity: 1, unitPrice: MinorUnits(24_000), vatCode: .none)),
            ]
        )
        let body = String(decoding: try OrderWireFormat.createOrder(draft, merchantID: "ffffffff-ffff-ffff-ffff-ffffffffffff").serialized(), as: UTF8.self)
        #expect(body.contains(#""amount":13740.00,"vatAmount":2250.00"#))
        #expect(body.contains(#""quantity":2,"amount":6000.00,"amountWoVat":5000.00,"totalAmount":12000.00,"totalVatAmount":2000.00,"vatCode":"RUS_VAT20""#))
        #expect(body.contains(#""quantity":2,"amount":750.00,"amountWoVat":625.00,"totalAmount":1500.00,"totalVatAmount":250.00"#))
        #expect(body.contains(#""amount":240.00,"amountWoVat":240.00,"totalAmount":240.00,"totalVatAmount":0.00,"vatCode":"VATNONE""#))
        #expect(body.contains(#""expirationDate":"2024-08-10T20:59:59+00:00""#))
        #expect(body.contains(#""roundPolicy":"strict""#))
        #expect(!body.contains("null"))
        // The body is valid JSON.
        #expect(try JSONSerialization.jsonObject(with: Data(body.utf8)) is [String: Any])
    }

    @Test func theWorkedRoundingExampleStaysWithinTheTolerance() throws {
        // 3 nights × 4 999.99 at 20 %: the per-unit split drifts by a kopeck, which is allowed.
        let line = try Basket.price(BasketLineRequest(sku: "N", name: "night", quantity: 3, unitPrice: MinorUnits(499_999), vatCode: .twenty))
        #expect(line.totalAmount == MinorUnits(1_499_997))
        #expect(line.totalVATAmount == MinorUnits(250_000))
        #expect(line.quantity == 3)
    }

    static func randomBasket(_ generator: inout SplitMix64) -> [BasketLineRequest] {
        (0..<Int.random(in: 1...8, using: &generator)).map { index in
            BasketLineRequest(
                sku: "SKU-\(index)", name: "line \(index)",
                quantity: Int64.random(in: 1...400, using: &generator),
                unitPrice: MinorUnits(Int64.random(in: 1...5_000_000, using: &generator)),
                // Invoicebox's codes, in a fixed order so that a seed always makes the same basket.
                vatCode: VATCode.russian.sorted { $0.rawValue < $1.rawValue }.randomElement(using: &generator)!
            )
        }
    }

    /// The provider's rules, written out again independently of `Basket`, in integers.
    static func violations(of lines: [PricedLine], amount: MinorUnits, vat: MinorUnits) -> [String] {
        var found: [String] = []
        for line in lines {
            let rate = line.vatCode.ratePercent
            if line.quantity <= 0 { found.append("quantity") }
            if line.amount.value * line.quantity != line.totalAmount.value { found.append("wrong_basket_item_total_amount") }
            let expectedVAT = rate == 0 ? 0 : (2 * line.totalAmount.value * rate + (100 + rate)) / (2 * (100 + rate))
            if abs(line.totalVATAmount.value - expectedVAT) > 1 { found.append("wrong_basket_item_total_vat_amount") }
            if abs(line.amountWithoutVAT.value * line.quantity + line.totalVATAmount.value - line.totalAmount.value) > 1 {
                found.append("wrong_basket_item_amount_wo_vat")
            }
        }
        if lines.map(\.totalAmount.value).reduce(0, +) != amount.value { found.append("wrong_total_amount") }
        if lines.map(\.totalVATAmount.value).reduce(0, +) != vat.value { found.append("wrong_total_vat_amount") }
        return found
    }

    @Test func outOfRangeLinesAreRefusedBeforeAnyArithmetic() throws {
        let huge = BasketLineRequest(sku: "X", name: "x", quantity: .max, unitPrice: MinorUnits(.max), vatCode: .twenty)
        #expect(throws: BasketError.quantityOutOfRange(sku: "X")) { try Basket.price(huge) }
        let free = BasketLineRequest(sku: "Y", name: "y", quantity: 1, unitPrice: MinorUnits(0), vatCode: .none)
        #expect(throws: BasketError.priceOutOfRange(sku: "Y")) { try Basket.price(free) }
        let negative = BasketLineRequest(sku: "Z", name: "z", quantity: -2, unitPrice: MinorUnits(100), vatCode: .none)
        #expect(throws: BasketError.quantityOutOfRange(sku: "Z")) { try Basket.price(negative) }
        #expect(throws: BasketError.empty) { try Basket.totals(of: []) }
        // Each factor at its bound: the product alone is over the total's bound.
        let biggest = BasketLineRequest(
            sku: "B", name: "b", quantity: BasketError.quantities.upperBound, unitPrice: MinorUnits(BasketError.unitPrices.upperBound), vatCode: .twentyTwo)
        #expect(throws: BasketError.totalOutOfRange) { try Basket.price(biggest) }
        // Two lines each within the bound whose sum is not.
        let large = BasketLineRequest(sku: "L", name: "l", quantity: 1_000, unitPrice: MinorUnits(600_000_000_000), vatCode: .twentyTwo)
        let priced = try #require(try? Basket.price(large))
        #expect(priced.totalVATAmount.value == 108_196_721_311_475)
        #expect(throws: BasketError.totalOutOfRange) { try Basket.totals(of: [priced, priced]) }
    }

    @Test func randomBasketsAlwaysSatisfyTheProvidersRules() throws {
        for seed in UInt64(1)...2000 {
            var generator = SplitMix64(state: seed)
            let requests = Self.randomBasket(&generator)
            let lines = try requests.map { try Basket.price($0) }
            let totals = try Basket.totals(of: lines)
            let found = Self.violations(of: lines, amount: totals.amount, vat: totals.vat)
            #expect(found.isEmpty, "seed \(seed): \(found)")
            // No money is created or lost by the pricing.
            #expect(totals.amount.value == requests.map { $0.unitPrice.value * $0.quantity }.reduce(0, +), "seed \(seed)")
        }
    }
}
