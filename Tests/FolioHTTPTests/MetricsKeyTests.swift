import FolioTestSupport
import Foundation
import HummingbirdTesting
import HTTPTypes
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
        }
    }

    @Test func withoutAMetricsKeyTheMetricsAreOpen() async throws {
        try await TestAPI.run { api in
            let scraped = try await api.send(.get, "/metrics", key: .some(nil))
            #expect(scraped.status == .ok)
        }
    }
}
