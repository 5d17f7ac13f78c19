import FolioDomain
import Foundation
import OpenAPIRuntime

/// Dates in the API's RFC 3339 form (`2026-11-25T19:17:04Z`), without a lock.
///
/// The runtime's default transcoder serialises every date of every request through one locked
/// `ISO8601DateFormatter` on Linux; a list page has dozens of dates. Writing is plain integer
/// arithmetic; reading goes through `Date.ISO8601FormatStyle`, a value that needs no lock. The
/// output is the one the default transcoder gave: UTC, whole seconds, `Z`.
package struct InternetDateTranscoder: DateTranscoder {
    package init() {}

    package func encode(_ date: Date) throws -> String {
        // As the default transcoder: to the nearest millisecond first, then the whole second.
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let (days, second) = CivilCalendar.split(secondsSince1970: seconds)
        let (year, month, day) = CivilCalendar.date(fromDays: days)
        var text = ""
        text.reserveCapacity(20)
        Self.append(year, width: 4, to: &text)
        text.append("-")
        Self.append(month, width: 2, to: &text)
        text.append("-")
        Self.append(day, width: 2, to: &text)
        text.append("T")
        Self.append(second / 3600, width: 2, to: &text)
        text.append(":")
        Self.append(second % 3600 / 60, width: 2, to: &text)
        text.append(":")
        Self.append(second % 60, width: 2, to: &text)
        text.append("Z")
        return text
    }

    package func decode(_ text: String) throws -> Date {
        do {
            return try Self.parser.parse(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 date-time such as 2026-11-25T19:17:04Z."))
        }
    }

    private static let parser = Date.ISO8601FormatStyle()

    private static func append(_ value: Int64, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.utf8.count < width {
            text.append(String(repeating: "0", count: width - digits.utf8.count))
        }
        text.append(digits)
    }
}
