import ArgumentParser
import FolioApp
import Foundation
import Logging
import Metrics
import PostgresNIO
import Prometheus
import TenantRegistry

/// Set-up shared by the commands: configuration, logging and a database connection pool.
enum CommandSupport {
    /// Loads the configuration or stops with a message naming each bad setting (exit code 78,
    /// EX_CONFIG), before anything else happens.
    static func loadConfiguration(
        _ requirements: FolioConfiguration.Requirements,
        overrides: [String: String] = [:]
    ) throws -> FolioConfiguration {
        let environment = ProcessInfo.processInfo.environment.merging(overrides) { _, override in override }
        do {
            return try FolioConfiguration.load(environment: environment, requirements: requirements)
        } catch {
            FileHandle.standardError.write(Data("folio: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }

    static func bootstrapLogging(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = DeferredMetadataLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// The registry `GET /metrics` exports, made the process's metrics backend.
    static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    static func loadMigrations(_ configuration: FolioConfiguration) throws -> MigrationSet {
        do {
            return try MigrationSet.load(from: configuration.migrationsDirectory)
        } catch {
            FileHandle.standardError.write(Data("folio: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }

    /// Runs `body` with a running connection pool, and closes the pool afterwards.
    static func withDatabase<Result: Sendable>(
        _ configuration: FolioConfiguration,
        logger: Logger,
        _ body: @Sendable (PostgresClient) async throws -> Result
    ) async throws -> Result {
        var database = configuration.database.singlePoolConfiguration
        // A one-off command opens connections as it needs them, not the server's warm pool.
        database.options.minimumConnections = 0
        let client = PostgresClient(configuration: database, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            client.run(in: &group)
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("folio: \(message)\n".utf8))
    }
}
