import ArgumentParser

/// `folio serve`: the production entry point.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the API and the background work against FOLIO_DATABASE_URL."
    )

    @Flag(help: "Do not apply migrations at start (run `folio migrate` separately).")
    var noMigrate = false

    func run() async throws {
        let configuration = try CommandSupport.loadConfiguration(.server)
        CommandSupport.bootstrapLogging(level: configuration.logLevel)
        let metrics = CommandSupport.bootstrapMetrics()
        try await FolioServer.run(configuration: configuration, metrics: metrics, migrate: !noMigrate)
    }
}
