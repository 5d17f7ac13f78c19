import Foundation
import StatusUpdater
import Testing

@testable import FolioCLI

@Suite struct NotificationSafeguardsConfigurationTests {
    @Test func theDefaultsLimitNotificationsAndKeepRecordsNinetyDays() throws {
        let configuration = try FolioConfiguration.load(environment: FolioConfigurationTests.minimal, requirements: .server)
        #expect(configuration.notificationSafeguards.perTenant == RateLimit(requests: 60, window: .seconds(10)))
        #expect(configuration.notificationSafeguards.perSource == RateLimit(requests: 60, window: .seconds(10)))
        #expect(configuration.retentionDays == 90)
    }

    @Test func theLimitsAndTheRetentionAreConfigurable() throws {
        var environment = FolioConfigurationTests.minimal
        environment["FOLIO_NOTIFICATION_RATE_PER_TENANT"] = "120"
        environment["FOLIO_NOTIFICATION_RATE_PER_SOURCE"] = "600"
        environment["FOLIO_NOTIFICATION_RATE_WINDOW_SECONDS"] = "30"
        environment["FOLIO_RETENTION_DAYS"] = "30"
        let configuration = try FolioConfiguration.load(environment: environment, requirements: .server)
        #expect(configuration.notificationSafeguards.perTenant == RateLimit(requests: 120, window: .seconds(30)))
        #expect(configuration.notificationSafeguards.perSource == RateLimit(requests: 600, window: .seconds(30)))
        #expect(configuration.retentionDays == 30)
    }

    @Test(arguments: [
        ("FOLIO_NOTIFICATION_RATE_PER_TENANT", "0"),
        ("FOLIO_NOTIFICATION_RATE_PER_SOURCE", "many"),
        ("FOLIO_NOTIFICATION_RATE_WINDOW_SECONDS", "-1"),
        ("FOLIO_RETENTION_DAYS", "0"),
    ])
    func aBadSettingIsNamed(variable: String, value: String) {
        var environment = FolioConfigurationTests.minimal
        environment[variable] = value
        do {
            _ = try FolioConfiguration.load(environment: environment, requirements: .server)
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.problems.count == 1)
            #expect(error.problems.first?.contains(variable) == true)
        }
    }
}
