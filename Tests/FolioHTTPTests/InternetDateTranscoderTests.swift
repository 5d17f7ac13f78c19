import FolioTestSupport
import Foundation
import OpenAPIRuntime
import Testing

@testable import FolioHTTP

/// The lock-free transcoder writes exactly what the runtime's default one wrote.
@Suite struct InternetDateTranscoderTests {
    let transcoder = InternetDateTranscoder()

    @Test func writesWhatTheDefaultTranscoderWrote() throws {
        var generator = SplitMix64(state: 20_261_125)
        let reference = ISO8601DateTranscoder()
        // Whole and fractional seconds from 1970 to 9999, and the edges of days, months and leap years.
        var dates: [Date] = [0, 59.999, 59.9996, 86_399.5, 951_782_400, 951_868_799, 4_107_542_399, 253_402_300_799].map(Date.init(timeIntervalSince1970:))
        for _ in 0..<20_000 { dates.append(Date(timeIntervalSince1970: Double.random(in: 0..<253_402_300_800, using: &generator))) }
        // PostgreSQL keeps microseconds: the default transcoder rounds those to milliseconds first.
        for _ in 0..<5_000 {
            let whole = Double(Int64.random(in: 0..<4_102_444_800, using: &generator))
            dates.append(Date(timeIntervalSince1970: whole + Double(Int.random(in: 999_000..<1_000_000, using: &generator)) / 1_000_000))
        }
        for date in dates {
            #expect(try transcoder.encode(date) == reference.encode(date), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func readsUTCAndOffsetsAndRefusesWhatIsNotADateTime() throws {
        #expect(try transcoder.decode("2026-11-25T19:17:04Z") == Date(timeIntervalSince1970: 1_795_634_224))
        #expect(try transcoder.decode("2026-11-25T22:17:04+03:00") == Date(timeIntervalSince1970: 1_795_634_224))
        for text in ["", "2026-11-25", "25.11.2026 19:17", "2026-13-01T00:00:00Z", "now"] {
            #expect(throws: DecodingError.self, "\(text)") { try transcoder.decode(text) }
        }
    }

    @Test func readsBackWhatItWrites() throws {
        let date = Date(timeIntervalSince1970: 1_795_634_224)
        #expect(try transcoder.decode(transcoder.encode(date)) == date)
    }
}
