import FolioDomain
import Foundation
import Testing

@testable import FolioCLI

@Suite struct MetricsKeyConfigurationTests {
    func environment(_ metricsKey: String?) -> [String: String] {
        var environment = FolioConfigurationTests.minimal
        environment["FOLIO_PUBLIC_BASE_URL"] = "https://folio.example"
        environment["FOLIO_METRICS_KEY"] = metricsKey
        return environment
    }

    @Test func theMetricsKeyIsOptionalAndKeptAsASecret() throws {
        let open = try FolioConfiguration.load(environment: environment(nil), requirements: .server)
        #expect(open.metricsKey == nil)
        let key = "scrape_" + String(repeating: "s", count: 40)
        let configuration = try FolioConfiguration.load(environment: environment(key), requirements: .server)
        #expect(configuration.metricsKey?.revealed == key)
        #expect(!"\(configuration.metricsKey as Any)".contains(key))
    }

    @Test func aShortMetricsKeyIsRefusedByName() {
        let secret = "too-short-secret"
        do {
            _ = try FolioConfiguration.load(environment: environment(secret), requirements: .server)
            Issue.record("a short FOLIO_METRICS_KEY was accepted")
        } catch {
            #expect(error.problems.count == 1)
            #expect(error.problems.first?.hasPrefix("FOLIO_METRICS_KEY:") == true)
            #expect(!error.problems.joined().contains(secret))
        }
    }
}
