import ArgumentParser

/// The `folio` command line.
package struct FolioCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "folio",
        abstract: "White-label invoicing for booking platforms.",
        discussion: "Settings come from FOLIO_* environment variables (see README.md).",
        subcommands: [
            ServeCommand.self,
            DevCommand.self,
            MigrateCommand.self,
            KeysCommand.self,
            TenantsCommand.self,
            EventsCommand.self,
            VaultCommand.self,
        ]
    )

    package init() {}
}
