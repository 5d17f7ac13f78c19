import ArgumentParser
import FolioDomain
import Foundation
import Logging
import PostgresNIO
import TenantRegistry

/// Provisions many tenants and reports how long each took (the registration, then the first write
/// that makes the tenant's schema), then times migration runs over all of their schemas: the no-op
/// run a restart performs, and a run that visits every schema.
struct ProvisioningBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provisioning",
        abstract: "Provision N tenants and make their schemas (p50/p95), then time a no-op `folio migrate` over them."
    )

    @Option(help: "How many tenants to provision.")
    var tenants = 1000

    @Option(help: "How many provisioning requests run at once.")
    var concurrency = 1

    @OptionGroup var database: BenchmarkDatabase

    func run() async throws {
        var logger = Logger(label: "folio.bench")
        logger.logLevel = .warning
        let tenants = tenants
        let concurrency = max(1, concurrency)

        try await database.withMigrated(connections: max(4, concurrency * 2), logger: logger) { client, migrationSet in
            let runner = MigrationRunner(client: client, migrations: migrationSet, logger: logger)
            let existing = try await Self.count(client, logger: logger)
            let directory = TenantDirectory(client: client, tenantMigrations: migrationSet.tenant, logger: logger)
            let runID = String(UUID().uuidString.prefix(8))

            print("provisioning \(tenants) tenants (\(migrationSet.tenant.count) tenant migrations each), concurrency \(concurrency)")
            let started = ContinuousClock.now
            let provisionOne: @Sendable (Int) async throws -> (Duration, Duration) = { index in
                let begin = ContinuousClock.now
                let tenant = try await directory.register(TenantRegistration(externalID: "bench-\(runID)-\(index)", displayName: nil)).tenant
                let registered = ContinuousClock.now
                try await directory.withTenant(tenant.id) { _ in }
                return (registered - begin, ContinuousClock.now - registered)
            }
            let durations = try await withThrowingTaskGroup(of: (Duration, Duration).self) { provisioning in
                var next = 0
                var durations: [(Duration, Duration)] = []
                while next < min(concurrency, tenants) {
                    let index = next
                    provisioning.addTask { try await provisionOne(index) }
                    next += 1
                }
                while let duration = try await provisioning.next() {
                    durations.append(duration)
                    if next < tenants {
                        let index = next
                        provisioning.addTask { try await provisionOne(index) }
                        next += 1
                    }
                }
                return durations
            }
            let total = ContinuousClock.now - started
            print("  registration: \(Stats.summary(durations.map(\.0), unit: .milliseconds))")
            print("  first write, which makes the schema: \(Stats.summary(durations.map(\.1), unit: .milliseconds))")
            print("  total \(Stats.seconds(total)), \(Stats.rate(tenants, total)) tenants/s")

            let schemas = existing + tenants
            for verifyAll in [false, true] {
                let begin = ContinuousClock.now
                let report = try await runner.run(verifyAll: verifyAll)
                let elapsed = ContinuousClock.now - begin
                let label = verifyAll ? "migrate --verify-all" : "migrate (no-op)"
                print(
                    "\(label) over \(schemas) schemas: \(Stats.seconds(elapsed)), \(Stats.rate(schemas, elapsed)) schemas/s"
                        + " (\(report.tenantSchemasChecked) visited, \(report.tenantFilesApplied) files applied)"
                )
            }
        }
    }

    static func count(_ client: PostgresClient, logger: Logger) async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM folio.tenants", logger: logger)
        return Int(try await rows.decode(Int64.self).firstElement() ?? 0)
    }
}
