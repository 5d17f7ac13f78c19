import ArgumentParser
import Foundation
import Logging
import TenantRegistry

/// `folio keys …`: manages platform API keys.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage platform API keys.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a platform key (reaches every tenant). It is printed once and stored only as a hash."
        )

        @Option(help: "A note for people, e.g. which system holds the key.")
        var label: String?

        func run() async throws {
            let configuration = try CommandSupport.loadConfiguration(.databaseOnly)
            CommandSupport.bootstrapLogging(level: configuration.logLevel)
            let logger = Logger(label: "folio.keys")
            let label = label
            let issued = try await CommandSupport.withDatabase(configuration, logger: logger) { client in
                try await APIKeyStore(client: client, configuredPlatformKeys: [], logger: logger).issuePlatformKey(label: label)
            }
            print("id:  \(issued.id.uuidString.lowercased())")
            print("key: \(issued.key.secret)")
            print("Store the key now: Folio keeps only its hash and cannot show it again.")
        }
    }
}
