import ArgumentParser
import FolioDomain
import Foundation
import Logging
import PostgresNIO
import TenantRegistry
import TokenVault

/// Decrypt latency of the vault, then `rotate` over every record.
struct VaultBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Decrypt latency (p50/p99 µs) and `folio vault rotate` over N secrets."
    )

    @Option(help: "How many secrets to store (spread over 100 tenants).")
    var secrets = 10_000

    @OptionGroup var database: BenchmarkDatabase

    func run() async throws {
        var logger = Logger(label: "folio.bench")
        logger.logLevel = .warning
        let secretCount = secrets
        let oldKey = KeyEncryptionKey(id: "bench-old", material: Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
        let newKey = KeyEncryptionKey(id: "bench-new", material: Data((0..<32).map { _ in UInt8.random(in: 0...255) }))

        try await database.withMigrated(connections: 16, logger: logger) { client, migrationSet in

            let directory = TenantDirectory(client: client, tenantMigrations: migrationSet.tenant, logger: logger)
            let runID = String(UUID().uuidString.prefix(8))
            var tenants: [TenantID] = []
            for index in 0..<100 {
                tenants.append(try await directory.register(TenantRegistration(externalID: "vault-bench-\(runID)-\(index)", displayName: nil)).tenant.id)
            }
            let perTenant = (secretCount + tenants.count - 1) / tenants.count
            let vault = SecretVault(client: client, keys: KeyRing([oldKey])!, logger: logger)
            print("storing \(secretCount) secrets over \(tenants.count) tenants")
            let storeStarted = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { stores in
                for (tenantIndex, tenant) in tenants.enumerated() {
                    stores.addTask {
                        for index in 0..<perTenant where tenantIndex * perTenant + index < secretCount {
                            let secret = Secret(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
                            try await vault.store(secret, tenant: tenant, purpose: VaultPurpose("secret-\(index)")!, actor: "bench")
                        }
                    }
                    if tenantIndex >= 8 { try await stores.next() }
                }
                try await stores.waitForAll()
            }
            print("  stored in \(Stats.seconds(ContinuousClock.now - storeStarted))")

            // Decryption alone (unwrap the data key, open the secret), without the database.
            let record = try EnvelopeCipher.seal(Secret("0123456789abcdef0123456789abcdef"), tenant: tenants[0], purpose: VaultPurpose("sample")!, with: oldKey)
            let ring = KeyRing([oldKey])!
            var decryptions: [Duration] = []
            for _ in 0..<20_000 {
                let begin = ContinuousClock.now
                _ = try EnvelopeCipher.open(record, keys: ring)
                decryptions.append(ContinuousClock.now - begin)
            }
            print("decrypt (crypto only, 20000 samples): \(Stats.summary(decryptions, unit: .microseconds))")

            // A full read: one transaction that selects the record and writes its audit row.
            var reads: [Duration] = []
            for sample in 0..<2_000 {
                let begin = ContinuousClock.now
                _ = try await vault.read(tenant: tenants[sample % tenants.count], purpose: VaultPurpose("secret-\(sample % perTenant)")!, actor: "bench")
                reads.append(ContinuousClock.now - begin)
            }
            print("read (database, audit and decrypt, 2000 samples): \(Stats.summary(reads, unit: .microseconds))")

            let rotating = SecretVault(client: client, keys: KeyRing([newKey, oldKey])!, logger: logger)
            let rotationStarted = ContinuousClock.now
            let report = try await rotating.rotate(actor: "bench")
            let elapsed = ContinuousClock.now - rotationStarted
            print(
                "rotate: rewrapped \(report.rewrapped), skipped \(report.skipped), failed \(report.failed) in \(Stats.seconds(elapsed)), "
                    + "\(Stats.rate(report.rewrapped, elapsed)) records/s"
            )
        }
    }
}
