import ArgumentParser

/// `folio-bench`: measurements that print their figures; nothing here asserts on time.
@main
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio-bench",
        abstract: "Folio's benchmarks, run against FOLIO_DATABASE_URL (scripts/bench.sh sets up a private cluster).",
        subcommands: [
            ProvisioningBenchmark.self, VaultBenchmark.self, InvoiceboxBenchmark.self, InvoicesBenchmark.self, FakturowniaBenchmark.self,
            StatusUpdaterBenchmark.self, TenantsBenchmark.self, HTTPSeed.self, BaselineServer.self,
        ]
    )
}
