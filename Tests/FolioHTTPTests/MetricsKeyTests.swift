import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct MetricsKeyTests {
    static let metricsKey = "metrics_" + String(repeating: "m", count: 40)

    @Test func withAMetricsKeyOnlyThatKeyReadsTheMetrics() async throws {
        try await TestAPI.run(metricsKey: Self.metricsKey) { api in
            let anonymous = try await api.send(.get, "/metrics", key: .some(nil))
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.problemCode == "missing_api_key")
            // Not even a platform key: scrapers get a key of their own.
            for other in [api.platformKey, Self.metricsKey + "x", "Basic " + Self.metricsKey] {
                let refused = try await api.send(.get, "/metrics", key: .some(other))
                #expect(refused.status == .unauthorized)
                #expect(refused.problemCode == "invalid_api_key")
            }
            let scraped = try await api.send(.get, "/metrics", key: .some(Self.metricsKey))
            #expect(scraped.status == .ok)
            #expect(scraped.headers[.contentType]?.hasPrefix("text/plain") == true)
            // The router ignores empty segments, so these spellings reach the same route.
            for spelling in ["/metrics/", "//metrics", "/metrics//"] {
                let sneaked = try await api.send(.get, spelling, key: .some(nil))
                #expect(sneaked.status == .unauthorized, "\(spelling)")
                #expect(!String(buffer: sneaked.body).contains("folio_"), "\(spelling)")
            }
        }
    }

    @Test func withoutAMetricsKeyTheMetricsAreOpen() async throws {
        try await TestAPI.run { api in
            let scraped = try await api.send(.get, "/metrics", key: .some(nil))
            #expect(scraped.status == .ok)
        }
    }
}
