import FolioCLI
import Foundation
import TenantRegistry
import Testing

@Suite struct BrowserAccessConfigurationTests {
    func environment(sessionKeys: String? = nil, origins: String? = nil) -> [String: String] {
        var environment = FolioConfigurationTests.minimal
        environment["FOLIO_PUBLIC_BASE_URL"] = "https://folio.example"
        environment["FOLIO_SESSION_KEYS"] = sessionKeys
        environment["FOLIO_ALLOWED_ORIGINS"] = origins
        return environment
    }

    @Test func sessionKeysAndOriginsAreOptional() throws {
        let configuration = try FolioConfiguration.load(environment: environment(), requirements: .server)
        #expect(configuration.sessionKeys.isEmpty)
        #expect(configuration.allowedOrigins.isEmpty)
    }

    @Test func bothListsAreRead() throws {
        let material = Data(repeating: 2, count: 32).base64EncodedString()
        let configuration = try FolioConfiguration.load(
            environment: environment(sessionKeys: "2026-11:\(material), 2026-10:\(material)", origins: "https://panel.example.com, http://localhost:3000"),
            requirements: .server
        )
        #expect(configuration.sessionKeys.map(\.id) == ["2026-11", "2026-10"])
        #expect(configuration.allowedOrigins == ["https://panel.example.com", "http://localhost:3000"])
    }

    @Test(arguments: [
        ("FOLIO_SESSION_KEYS", "short:\(Data(repeating: 2, count: 16).base64EncodedString())"),
        ("FOLIO_SESSION_KEYS", "no-material"),
        ("FOLIO_ALLOWED_ORIGINS", "https://panel.example.com/"),
        ("FOLIO_ALLOWED_ORIGINS", "*"),
        ("FOLIO_ALLOWED_ORIGINS", "https://Panel.example.com"),
        ("FOLIO_ALLOWED_ORIGINS", "ftp://panel.example.com"),
        ("FOLIO_ALLOWED_ORIGINS", "https://panel.example.com:443"),
    ])
    func aMalformedEntryIsNamedWithoutItsSecret(variable: String, value: String) {
        var environment = environment()
        environment[variable] = value
        do {
            _ = try FolioConfiguration.load(environment: environment, requirements: .server)
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.problems.count == 1)
            #expect(error.problems.first?.hasPrefix("\(variable):") == true)
            if variable == "FOLIO_SESSION_KEYS", let material = value.split(separator: ":").last {
                #expect(!error.problems.joined().contains(material))
            }
        }
    }
}
