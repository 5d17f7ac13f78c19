import ArgumentParser
import FolioApp
import Hummingbird
import Logging
import Prometheus
import Synchronization
import TenantRegistry
import TokenVault

/// The application's parts, handed to `onReady` once the server listens.
final class StartedComponents: Sendable {
    private let components = Mutex<FolioComponents?>(nil)

    func set(_ value: FolioComponents) { components.withLock { $0 = value } }
    var value: FolioComponents? { components.withLock { $0 } }
}

/// Runs Folio, as `buildApplication` wires it, until SIGTERM or SIGINT, then shuts down
/// gracefully: the server stops accepting, in-flight requests finish, the background jobs stop,
/// the HTTP client and the pool close. Logging and metrics are bootstrapped by the command.
enum FolioServer {
    static func run(
        configuration: FolioConfiguration,
        metrics: PrometheusCollectorRegistry,
        migrate: Bool,
        demoHost: DemoHostConfiguration? = nil,
        onReady: (@Sendable (FolioComponents) async -> Void)? = nil
    ) async throws {
        let logger = Logger(label: "folio")
        for setting in configuration.plainHTTPSettings {
            logger.warning(
                "plain http to a host beyond this machine: this traffic travels unencrypted unless a TLS proxy is in the path",
                metadata: ["setting": "\(setting)"]
            )
        }
        let migrations = try CommandSupport.loadMigrations(configuration)
        guard let vaultKeys = KeyRing(configuration.vaultKeys) else {
            CommandSupport.printError("FOLIO_VAULT_KEYS: is required")
            throw ExitCode(78)
        }
        var applicationConfiguration = configuration.application(migrations: migrations, vaultKeys: vaultKeys, migrate: migrate)
        applicationConfiguration.demoHost = demoHost
        let started = StartedComponents()
        let (application, components) = try buildApplication(
            configuration: applicationConfiguration,
            metrics: metrics,
            onServerRunning: { _ in
                if let components = started.value { await onReady?(components) }
            }
        )
        started.set(components)
        do {
            try await application.runService()
        } catch let error as MigrationError {
            CommandSupport.printError(error.description)
            throw ExitCode.failure
        } catch let error as VaultError {
            CommandSupport.printError(error.description)
            // Only a key configuration the records cannot work with is a configuration error;
            // a database outage during the checks is a plain failure.
            switch error {
            case .keysMissingForRecords, .keyCheckMismatch: throw ExitCode(78)
            default: throw ExitCode.failure
            }
        }
    }
}
