import ArgumentParser
import Foundation
import Logging
import TenantRegistry

/// `folio migrate`: applies pending registry and tenant migrations, then exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending migrations to the registry and to every tenant schema."
    )

    @Flag(help: "Check every tenant schema's record of applied files, not only the schemas that are behind.")
    var verifyAll = false

    func run() async throws {
        let configuration = try CommandSupport.loadConfiguration(.databaseOnly)
        CommandSupport.bootstrapLogging(level: configuration.logLevel)
        let logger = Logger(label: "folio.migrate")
        let migrations = try CommandSupport.loadMigrations(configuration)
        let verifyAll = verifyAll
        let started = ContinuousClock.now
        do {
            let report = try await CommandSupport.withDatabase(configuration, logger: logger) { client in
                try await MigrationRunner(
                    client: client,
                    migrations: migrations,
                    logger: logger,
                    concurrency: configuration.migrationConcurrency
                ).run(verifyAll: verifyAll)
            }
            let elapsed = ContinuousClock.now - started
            print(
                """
                registry: \(report.registryApplied) file(s) applied
                tenants: \(report.tenantSchemasChecked) schema(s) checked, \(report.tenantSchemasMigrated) migrated, \
                \(report.tenantFilesApplied) file(s) applied
                took \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))
                """
            )
        } catch let error as MigrationError {
            CommandSupport.printError(error.description)
            throw ExitCode.failure
        }
    }
}
