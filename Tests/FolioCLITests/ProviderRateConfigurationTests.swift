import Foundation
import Testing

@testable import FolioCLI

@Suite struct ProviderRateConfigurationTests {
    @Test func theAddressLimitDefaultsToTheProvidersAndIsConfigurable() throws {
        let defaults = try FolioConfiguration.load(environment: FolioConfigurationTests.minimal, requirements: .server)
        #expect(defaults.invoiceboxRequestsPerAddress == 500)
        #expect(defaults.invoiceboxAddressWindow == .seconds(30))

        var environment = FolioConfigurationTests.minimal
        environment["FOLIO_INVOICEBOX_RATE_PER_ADDRESS"] = "250"
        environment["FOLIO_INVOICEBOX_RATE_PER_ADDRESS_WINDOW_SECONDS"] = "60"
        let configured = try FolioConfiguration.load(environment: environment, requirements: .server)
        #expect(configured.invoiceboxRequestsPerAddress == 250)
        #expect(configured.invoiceboxAddressWindow == .seconds(60))
    }

    @Test(arguments: [
        ("FOLIO_INVOICEBOX_RATE_PER_ADDRESS", "0"),
        ("FOLIO_INVOICEBOX_RATE_PER_ADDRESS", "lots"),
        ("FOLIO_INVOICEBOX_RATE_PER_ADDRESS_WINDOW_SECONDS", "-5"),
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
