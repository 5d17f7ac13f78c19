import Foundation
import PostgresNIO
import StatusUpdater
import TenantRegistry
import Testing
import TokenVault

@testable import FolioCLI

@Suite struct FolioConfigurationTests {
    static let vaultKey = "primary:" + Data(repeating: 7, count: 32).base64EncodedString()
    static let minimal = [
        "FOLIO_DATABASE_URL": "postgres://folio:s3cret-password@db.internal:6432/folio",
        "FOLIO_VAULT_KEYS": vaultKey,
        "FOLIO_PLATFORM_KEYS": "folio_" + String(repeating: "k", count: 43),
        "FOLIO_PUBLIC_BASE_URL": "https://folio.example",
    ]

    func problems(_ environment: [String: String], _ requirements: FolioConfiguration.Requirements = .server) -> [String] {
        do {
            _ = try FolioConfiguration.load(environment: environment, requirements: requirements)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func theRequiredSettingsAreEnoughToServe() throws {
        let configuration = try FolioConfiguration.load(environment: Self.minimal, requirements: .server)
        #expect(configuration.httpHost == "127.0.0.1")
        #expect(configuration.httpPort == 8080)
        #expect(configuration.publicBaseURL.absoluteString == "https://folio.example")
        #expect(configuration.vaultKeys.map(\.id) == ["primary"])
        #expect(configuration.platformKeys.count == 1)
        #expect(configuration.database.configuration.host == "db.internal")
        #expect(configuration.database.configuration.port == 6432)
        #expect(configuration.database.configuration.password == "s3cret-password")
        #expect(!configuration.database.redacted.contains("s3cret-password"))
        #expect(configuration.invoiceboxBaseURL.absoluteString == "https://api.invoicebox.ru")
    }

    @Test func aUnixSocketDirectoryIsHonoured() throws {
        var environment = Self.minimal
        environment["FOLIO_DATABASE_URL"] = "postgres://folio@localhost:5433/folio?host=/run/postgresql"
        let configuration = try FolioConfiguration.load(environment: environment, requirements: .server)
        #expect(configuration.database.configuration.unixSocketPath == "/run/postgresql/.s.PGSQL.5433")
    }

    @Test(arguments: [
        ("FOLIO_DATABASE_URL", nil as String?),
        ("FOLIO_DATABASE_URL", "mysql://x@y/z"),
        ("FOLIO_DATABASE_URL", "postgres://db/folio"),
        ("FOLIO_DATABASE_URL", "postgres://u@db/folio?sslmode=sometimes"),
        ("FOLIO_VAULT_KEYS", nil),
        ("FOLIO_VAULT_KEYS", "primary:" + Data(repeating: 1, count: 16).base64EncodedString()),
        ("FOLIO_VAULT_KEYS", vaultKey + "," + vaultKey),
        ("FOLIO_VAULT_KEYS", "no-colon"),
        ("FOLIO_VAULT_KEYS", "bad:!!!notbase64"),
        ("FOLIO_PLATFORM_KEYS", "short"),
        ("FOLIO_HTTP_PORT", "80a"),
        ("FOLIO_HTTP_PORT", "70000"),
        ("FOLIO_PUBLIC_BASE_URL", "not a url"),
        ("FOLIO_PUBLIC_BASE_URL", nil),
        ("FOLIO_LOG_LEVEL", "loud"),
        ("FOLIO_HOST_WEBHOOK_URL", "https://host.example/hooks"),
        ("FOLIO_INVOICEBOX_PARTNER_ID", "partner-1"),
        ("FOLIO_HOST_WEBHOOK_SECRET", "whsec_not base64!"),
        ("FOLIO_NOTIFICATION_CONFIRM", "sometimes"),
    ])
    func aBadSettingIsNamed(variable: String, value: String?) {
        var environment = Self.minimal
        environment[variable] = value
        let found = problems(environment)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains(variable) == true, "\(found)")
    }

    @Test func theStatusUpdaterSettings() throws {
        var environment = Self.minimal
        #expect(try FolioConfiguration.load(environment: environment, requirements: .server).notificationConfirmation == .always)
        environment["FOLIO_HOST_WEBHOOK_URL"] = "https://host.example/hooks"
        environment["FOLIO_HOST_WEBHOOK_SECRET"] = "whsec_" + Data(repeating: 9, count: 24).base64EncodedString()
        environment["FOLIO_NOTIFICATION_CONFIRM"] = "unsigned"
        let configuration = try FolioConfiguration.load(environment: environment, requirements: .server)
        #expect(configuration.hostWebhookURL?.host == "host.example")
        #expect(configuration.hostWebhookSecret != nil)
        #expect(configuration.notificationConfirmation == .unsigned)
        environment["FOLIO_HOST_WEBHOOK_SECRET"] = "whsec_!!!hunter2"
        #expect(!problems(environment).joined().contains("hunter2"))
    }

    @Test func aBadSSLModeIsNamed() {
        var environment = Self.minimal
        environment["FOLIO_DATABASE_URL"] = "postgres://u@db/folio?sslmode=sometimes"
        #expect(problems(environment).first?.contains("sslmode") == true)
    }

    @Test func aPercentEncodedPasswordIsDecodedOnce() throws {
        var environment = Self.minimal
        environment["FOLIO_DATABASE_URL"] = "postgres://u:p%2541ss@db/folio"
        let configuration = try FolioConfiguration.load(environment: environment, requirements: .server)
        #expect(configuration.database.configuration.password == "p%41ss")
    }

    @Test func everyProblemIsReportedAtOnce() {
        let found = problems(["FOLIO_HTTP_PORT": "0", "FOLIO_LOG_LEVEL": "x"])
        #expect(found.count == 5)
    }

    @Test func messagesNeverRepeatASecretValue() {
        var environment = Self.minimal
        let secret = "hunter2-very-secret-value"
        environment["FOLIO_VAULT_KEYS"] = "k:\(secret)"
        environment["FOLIO_PLATFORM_KEYS"] = secret
        environment["FOLIO_DATABASE_URL"] = "postgres://u:\(secret)@h/db?sslmode=bogus"
        let found = problems(environment)
        #expect(found.count == 3)
        #expect(!found.joined().contains(secret))
    }

    @Test func commandsThatNeverTouchTheVaultRunWithoutKeys() throws {
        let configuration = try FolioConfiguration.load(
            environment: ["FOLIO_DATABASE_URL": "postgres://folio@localhost/folio"],
            requirements: .databaseOnly
        )
        #expect(configuration.vaultKeys.isEmpty)
    }

    @Test func theEnvironmentWinsOverTheConfigurationFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("folio-\(UUID()).env")
        try Data("# comment\nFOLIO_HTTP_PORT=9000\nFOLIO_HTTP_HOST=\"0.0.0.0\"\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var environment = Self.minimal
        environment["FOLIO_CONFIG_FILE"] = file.path
        environment["FOLIO_HTTP_PORT"] = "9100"
        let configuration = try FolioConfiguration.load(environment: environment, requirements: .server)
        #expect(configuration.httpPort == 9100)
        #expect(configuration.httpHost == "0.0.0.0")
    }

    @Test func serveNeedsThePublicBaseURLWhileDevDefaultsIt() throws {
        var environment = Self.minimal
        environment["FOLIO_PUBLIC_BASE_URL"] = nil
        #expect(
            problems(environment) == [
                "FOLIO_PUBLIC_BASE_URL: is required (the https address at which Invoicebox reaches Folio; it goes into every order's notificationUrl)"
            ])
        environment["FOLIO_HTTP_PORT"] = "9000"
        let development = try FolioConfiguration.load(environment: environment, requirements: .development)
        #expect(development.publicBaseURL.absoluteString == "http://127.0.0.1:9000")
        // Maintenance commands have no public address to give.
        #expect(problems(environment, .vault).isEmpty)
        #expect(problems(environment, .databaseOnly).isEmpty)
    }

    @Test(arguments: [
        ("http://folio.example", true),
        ("http://10.0.0.5:8080/hooks", true),
        ("http://0.0.0.0:8080", true),
        ("http://[2001:db8::1]:8080", true),
        ("http://128.0.0.1", true),
        ("https://folio.example", false),
        ("HTTPS://folio.example", false),
        ("http://127.0.0.1:8080", false),
        ("http://127.1.2.3", false),
        ("http://localhost:8090", false),
        ("http://sandbox.localhost", false),
        ("http://[::1]:8080", false),
    ])
    func plainHTTPBeyondLoopbackIsRecognised(url: String, flagged: Bool) throws {
        let parsed = try #require(URL(string: url))
        #expect(FolioConfiguration.isPlainHTTPBeyondLoopback(parsed) == flagged)
    }

    @Test func plainHTTPSettingsAreNamed() throws {
        var environment = Self.minimal
        #expect(try FolioConfiguration.load(environment: environment, requirements: .server).plainHTTPSettings.isEmpty)
        environment["FOLIO_PUBLIC_BASE_URL"] = "http://folio.example"
        environment["FOLIO_INVOICEBOX_BASE_URL"] = "http://invoicebox.example"
        environment["FOLIO_HOST_WEBHOOK_URL"] = "http://host.example/hooks"
        environment["FOLIO_HOST_WEBHOOK_SECRET"] = "whsec_" + Data(repeating: 9, count: 24).base64EncodedString()
        let configuration = try FolioConfiguration.load(environment: environment, requirements: .server)
        #expect(configuration.plainHTTPSettings == ["FOLIO_INVOICEBOX_BASE_URL", "FOLIO_PUBLIC_BASE_URL", "FOLIO_HOST_WEBHOOK_URL"])
    }
}
