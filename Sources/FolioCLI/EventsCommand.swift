import ArgumentParser
import FolioDomain
import Foundation
import InvoicingService
import Logging

/// `folio events …`: operates the outbox of events to the host platform.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Operate the events delivered to the host platform.",
        subcommands: [RedeliverDead.self]
    )

    struct RedeliverDead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "redeliver-dead",
            abstract: "Queue dead events again, with a new retry window (after the host's endpoint is fixed)."
        )

        @Option(help: "Only this tenant's events (a UUID).")
        var tenant: String?

        func validate() throws {
            if let tenant, TenantID(string: tenant) == nil { throw ValidationError("--tenant must be a UUID") }
        }

        func run() async throws {
            let configuration = try CommandSupport.loadConfiguration(.databaseOnly)
            CommandSupport.bootstrapLogging(level: configuration.logLevel)
            let logger = Logger(label: "folio.events")
            let tenant = self.tenant.flatMap(TenantID.init(string:))
            let count = try await CommandSupport.withDatabase(configuration, logger: logger) { client in
                try await Outbox.redeliverDead(of: tenant, client: client, logger: logger)
            }
            print("\(count) dead event(s) queued for delivery again")
        }
    }
}
