import Foundation
import Logging
import PostgresNIO
import TenantRegistry

/// A fresh PostgreSQL database per test, on the server named by `FOLIO_TEST_DATABASE_URL`
/// (`scripts/test.sh` starts a private cluster and sets it).
///
/// A database of its own lets each test count tenants and schemas, and run migrations over
/// "every tenant", while the other tests run in parallel.
package enum TestDatabase {
    package static let logger = Logger(label: "folio.test")

    /// The repository's own `Migrations/`, exactly as `folio serve` loads them.
    package static let migrations: MigrationSet = {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // FolioTestSupport
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
        do {
            return try MigrationSet.load(from: root.appendingPathComponent("Migrations", isDirectory: true))
        } catch {
            fatalError("cannot load Migrations/: \(error)")
        }
    }()

    package struct MissingServer: Error, CustomStringConvertible {
        package var description: String {
            "FOLIO_TEST_DATABASE_URL is not set: run the suite with scripts/test.sh, which starts PostgreSQL"
        }
    }

    /// The test server, as `scripts/test.sh` names it.
    static func serverURL() throws -> DatabaseURL {
        guard let url = ProcessInfo.processInfo.environment["FOLIO_TEST_DATABASE_URL"], !url.isEmpty else {
            throw MissingServer()
        }
        return try DatabaseURL(url)
    }

    /// The test server's `postgres` database, with connections opened on demand.
    package static func serverConfiguration() throws -> PostgresClient.Configuration {
        var configuration = try serverURL().configuration
        // Connections open on demand: hundreds of tests run at once against one server.
        configuration.options.minimumConnections = 0
        return configuration
    }

    /// Creates an empty database, runs `body` with a running client connected to it, then drops it.
    ///
    /// - Parameters:
    ///   - migrated: start from the registry migrations applied (a clone of `MigratedTemplate`).
    ///   - maximumConnections: the pool size; 1 proves that nothing leaks between units of work.
    package static func withFresh<Result: Sendable>(
        migrated: Bool = true,
        maximumConnections: Int = 8,
        _ body: @Sendable (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let server = try serverConfiguration()
        let name = "folio_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = PostgresClient(configuration: server, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            admin.run(in: &group)
            defer { group.cancelAll() }
            if migrated {
                let template = try await MigratedTemplate.name(admin: admin, server: server, logger: logger)
                try await admin.query("CREATE DATABASE \(unescaped: name) TEMPLATE \(unescaped: template)", logger: logger)
            } else {
                try await admin.query("CREATE DATABASE \(unescaped: name)", logger: logger)
            }

            var configuration = server
            configuration.database = name
            configuration.options.maximumConnections = maximumConnections
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let outcome: Swift.Result<Result, any Error> = await withTaskGroup(of: Void.self) { inner in
                client.run(in: &inner)
                defer { inner.cancelAll() }
                do {
                    return .success(try await body(client))
                } catch {
                    return .failure(error)
                }
            }
            try await admin.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", logger: logger)
            return try outcome.get()
        }
    }

    /// How a connection of its own reaches the database `client` is connected to.
    package static func connectionConfiguration(besides client: PostgresClient) async throws -> PostgresConnection.Configuration {
        var configuration = try serverURL().connectionConfiguration
        configuration.database = try await client.scalar("SELECT current_database()", as: String.self)
        return configuration
    }

    /// Runs `body` with `count` tenants' own connections to the database `client` is connected to,
    /// kept open until `body` returns.
    package static func withTenantConnections<Result: Sendable>(
        _ count: Int,
        besides client: PostgresClient,
        keepAliveInterval: Duration = .seconds(30),
        longestWait: Duration = TenantConnections.defaultLongestWait,
        _ body: @Sendable (TenantConnections) async throws -> Result
    ) async throws -> Result {
        let connections = TenantConnections(
            configuration: try await connectionConfiguration(besides: client), count: count, logger: logger,
            keepAliveInterval: keepAliveInterval, longestWait: longestWait)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await connections.run() }
            defer { group.cancelAll() }
            return try await body(connections)
        }
    }
}

extension PostgresClient {
    /// The single value of a one-row, one-column query, for assertions.
    package func scalar<Value: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: Value.Type = Value.self) async throws -> Value? {
        let rows = try await self.query(query, logger: TestDatabase.logger)
        return try await rows.decode(Value.self).firstElement()
    }

    /// Whether a schema of that name exists, for tests of when tenant schemas are made.
    package func schemaExists(_ name: String) async throws -> Bool {
        try await scalar("SELECT count(*) FROM pg_namespace WHERE nspname = \(name)", as: Int64.self) == 1
    }
}
