import ArgumentParser
import Foundation
import Logging
import TenantRegistry

/// `folio keys …`: manages platform API keys.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage platform API keys.",
        discussion: """
            These are the platform keys stored in the database. Keys given in FOLIO_PLATFORM_KEYS
            are revoked by removing them from there; tenant keys through the API.
            """,
        subcommands: [Create.self, List.self, Revoke.self]
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

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the platform keys stored in the database (metadata only; last use is recorded hourly)."
        )

        func run() async throws {
            let configuration = try CommandSupport.loadConfiguration(.databaseOnly)
            CommandSupport.bootstrapLogging(level: configuration.logLevel)
            let logger = Logger(label: "folio.keys")
            let records = try await CommandSupport.withDatabase(configuration, logger: logger) { client in
                try await APIKeyStore(client: client, configuredPlatformKeys: [], logger: logger).platformKeys()
            }
            for line in KeysCommand.table(records) { print(line) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a platform key stored in the database; it stops working with the next request."
        )

        @Argument(help: "The key's id, as printed by `folio keys create` or `folio keys list`.")
        var id: String

        func validate() throws {
            guard UUID(uuidString: id) != nil else { throw ValidationError("the key id must be a UUID") }
        }

        func run() async throws {
            guard let keyID = UUID(uuidString: id) else { throw ExitCode.validationFailure }
            let configuration = try CommandSupport.loadConfiguration(.databaseOnly)
            CommandSupport.bootstrapLogging(level: configuration.logLevel)
            let logger = Logger(label: "folio.keys")
            let revoked = try await CommandSupport.withDatabase(configuration, logger: logger) { client in
                try await APIKeyStore(client: client, configuredPlatformKeys: [], logger: logger).revokePlatformKey(keyID, actor: "folio keys revoke")
            }
            guard let revoked, let revokedAt = revoked.revokedAt else {
                CommandSupport.printError("no platform key \(keyID.uuidString.lowercased()) is stored in the database")
                throw ExitCode.failure
            }
            print("revoked \(keyID.uuidString.lowercased()) at \(KeysCommand.timestamp(revokedAt))")
        }
    }

    /// One header line and one line per key: id, created, last used, revoked, label (last, as
    /// the only column that may hold spaces).
    static func table(_ records: [APIKeyRecord]) -> [String] {
        let header = ["id", "created", "last used", "revoked", "label"]
        let rows = records.map { record in
            [
                record.id.uuidString.lowercased(),
                timestamp(record.createdAt),
                record.lastUsedAt.map(timestamp) ?? "never",
                record.revokedAt.map(timestamp) ?? "-",
                record.label ?? "",
            ]
        }
        let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { cells in
            cells.enumerated()
                .map { column, cell in column == cells.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
    }

    static func timestamp(_ date: Date) -> String {
        date.ISO8601Format()
    }
}
