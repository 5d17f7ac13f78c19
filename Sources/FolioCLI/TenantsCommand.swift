import ArgumentParser
import FolioDomain
import Foundation
import Logging
import TenantRegistry

/// `folio tenants …`: reads the tenant registry.
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants",
        abstract: "Inspect tenants.",
        subcommands: [List.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every tenant, oldest first.")

        func run() async throws {
            let configuration = try CommandSupport.loadConfiguration(.databaseOnly)
            CommandSupport.bootstrapLogging(level: configuration.logLevel)
            let logger = Logger(label: "folio.tenants")
            let tenants = try await CommandSupport.withDatabase(configuration, logger: logger) { client in
                let directory = TenantDirectory(client: client, tenantMigrations: [], logger: logger)
                var all: [Tenant] = []
                var cursor: String?
                repeat {
                    let page = try await directory.list(limit: 100, after: cursor)
                    all += page.tenants
                    cursor = page.nextCursor
                } while cursor != nil
                return all
            }
            print(["id", "external id", "created at", "display name"].joined(separator: "\t"))
            for tenant in tenants {
                print(
                    [
                        tenant.id.description,
                        tenant.externalID,
                        tenant.createdAt.ISO8601Format(),
                        tenant.displayName ?? "",
                    ].joined(separator: "\t")
                )
            }
            print("\(tenants.count) tenant(s)")
        }
    }
}
