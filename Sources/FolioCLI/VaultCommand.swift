import ArgumentParser
import Foundation
import Logging
import TokenVault

/// `folio vault …`: maintenance of the encrypted token vault.
struct VaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Maintain the encrypted token vault.",
        subcommands: [Rotate.self]
    )

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rewrap every data key under the active key (the first of FOLIO_VAULT_KEYS).",
            discussion: """
                Runs while Folio serves; safe to interrupt and run again. When it reports nothing
                remaining, the other keys can be removed from FOLIO_VAULT_KEYS.
                """
        )

        @Option(help: "Records rewrapped per transaction.")
        var batchSize = 200

        func run() async throws {
            let configuration = try CommandSupport.loadConfiguration(.vault)
            CommandSupport.bootstrapLogging(level: configuration.logLevel)
            let logger = Logger(label: "folio.vault")
            guard let keys = KeyRing(configuration.vaultKeys) else { throw ExitCode(78) }
            let batchSize = max(1, batchSize)
            let started = ContinuousClock.now
            let report: SecretVault.RotationReport
            do {
                report = try await CommandSupport.withDatabase(configuration, logger: logger) { client in
                    let vault = SecretVault(client: client, keys: keys, logger: logger)
                    // A wrong active key would rewrap every record under bytes nobody has.
                    try await vault.verifyKeyCheckValues()
                    return try await vault.rotate(actor: "folio vault rotate", batchSize: batchSize)
                }
            } catch let error as VaultError {
                CommandSupport.printError(error.description)
                throw ExitCode(78)
            }
            let elapsed = ContinuousClock.now - started
            print(
                "rewrapped \(report.rewrapped), skipped \(report.skipped), failed \(report.failed), "
                    + "remaining \(report.remaining) (active key '\(keys.active.id)')"
            )
            print("took \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
            if report.remaining > 0 {
                CommandSupport.printError(
                    "\(report.remaining) record(s) are not under the active key yet (\(report.failed) failed; see the log); "
                        + "keep the old keys configured and run it again"
                )
                throw ExitCode.failure
            }
        }
    }
}
