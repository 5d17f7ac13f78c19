import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import TenantRegistry

/// The options and the set-up every benchmark against PostgreSQL shares: the database named by
/// `FOLIO_DATABASE_URL` (scripts/bench.sh starts one), migrated with the repository's files.
struct BenchmarkDatabase: ParsableArguments {
    @Option(help: "The Migrations/ folder.")
    var migrations = "Migrations"

    @Option(help: "Of Folio's connections, how many are each kept for a share of the tenants (0: one shared pool; default: as folio serve).")
    var tenantConnections: Int?

    /// How many of `total` connections Folio keeps for the tenants, as `folio serve` would unless
    /// told otherwise.
    func tenantConnections(of total: Int) throws -> Int {
        let count = tenantConnections ?? DatabaseURL.defaultTenantConnections(of: total)
        guard (0..<total).contains(count) else { throw ValidationError("--tenant-connections must be from 0 to \(total - 1) here") }
        return count
    }

    /// The database named by `FOLIO_DATABASE_URL`.
    func url() throws -> DatabaseURL {
        guard let url = ProcessInfo.processInfo.environment["FOLIO_DATABASE_URL"] else {
            throw ValidationError("set FOLIO_DATABASE_URL (scripts/bench.sh does)")
        }
        return try DatabaseURL(url)
    }

    /// A pool of the database named by `FOLIO_DATABASE_URL` that keeps `connections` connections open.
    func configuration(connections: Int) throws -> PostgresClient.Configuration {
        var configuration = try url().configuration
        configuration.options.maximumConnections = connections
        configuration.options.minimumConnections = connections
        return configuration
    }

    /// Runs `body` with a running, migrated pool of `connections` connections, and closes it afterwards.
    func withMigrated<Result: Sendable>(
        connections: Int,
        logger: Logger,
        _ body: (PostgresClient, MigrationSet) async throws -> Result
    ) async throws -> Result {
        let migrationSet = try MigrationSet.load(from: URL(fileURLWithPath: migrations, isDirectory: true))
        let client = PostgresClient(configuration: try configuration(connections: connections), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            client.run(in: &group)
            defer { group.cancelAll() }
            _ = try await MigrationRunner(client: client, migrations: migrationSet, logger: logger).run()
            return try await body(client, migrationSet)
        }
    }
}
