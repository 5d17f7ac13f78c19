import FakturowniaAdapter
import FolioDomain
import Foundation
import Testing

/// What Folio reads from a document it did not make: each position's rate as Folio's VAT code,
/// and the change timestamps that account reconciliation stops at.
@Suite struct DocumentReadingTests {
    @Test(arguments: [
        ("23", VATCode.polish23), ("23.0", .polish23), (" 8 ", .polish8), ("5", .polish5), ("0", .polish0), ("zw", .polishExempt),
        ("ZW", .polishExempt), ("np", .polishNotSubject),
    ])
    func aPolishRateHasItsCode(tax: String, code: VATCode) {
        #expect(FakturowniaProvider.vatCode(ofTax: tax) == code)
    }

    @Test(arguments: ["disabled", "7", "22.5", "", "1e300", "nan"])
    func anyOtherRateHasNone(tax: String) {
        #expect(FakturowniaProvider.vatCode(ofTax: tax) == nil)
    }

    @Test func aPaymentDayIsNowWhenItIsTodayAndNoonInWarsawOtherwise() throws {
        // 2026-11-26T23:30:00Z is already the 27th in Warsaw (UTC+1 in winter).
        let now = Date(timeIntervalSince1970: 1_795_735_800)
        #expect(FakturowniaCalendar.moment(of: "2026-11-27", now: now) == now)
        #expect(FakturowniaCalendar.moment(of: "2026-11-26", now: now) == Date(timeIntervalSince1970: 1_795_690_800))
        #expect(FakturowniaCalendar.moment(of: "26.11.2026", now: now) == nil)
    }

    @Test func timestampsAreReadWithOrWithoutTheFraction() throws {
        let whole = try #require(FakturowniaCalendar.instant(of: "2026-11-26T10:20:30+01:00"))
        let fraction = try #require(FakturowniaCalendar.instant(of: "2026-11-26T10:20:30.250+01:00"))
        #expect(whole == Date(timeIntervalSince1970: 1_795_684_830))
        #expect(fraction.timeIntervalSince(whole) == 0.25)
        #expect(FakturowniaCalendar.instant(of: "2026-11-26") == nil)
        #expect(FakturowniaCalendar.instant(of: "not a time") == nil)
    }
}
