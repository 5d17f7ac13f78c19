import Foundation
import Logging
import PostgresNIO
import TenantRegistry

/// A database with every registry migration applied, made once per set of migration files and
/// cloned for each test (`CREATE DATABASE … TEMPLATE`), which is faster than migrating each one.
///
/// Its name carries a digest of the migration files, so a changed file gets a new template. It is
/// built under a temporary name and renamed only when complete, and nothing connects to it by
/// its final name: a clone fails while anyone is connected to its template, and several test
/// processes may share one server.
enum MigratedTemplate {
    private static let cache = TemplateCache()

    /// The template's name; builds it through `admin` on the first call of this process.
    static func name(admin: PostgresClient, server: PostgresClient.Configuration, logger: Logger) async throws -> String {
        try await cache.name { try await build(admin: admin, server: server, logger: logger) }
    }

    static var finalName: String {
        let checksums = (TestDatabase.migrations.registry + TestDatabase.migrations.tenant).map(\.checksum).joined(separator: ",")
        // FNV-1a: stable across processes, unlike `Hasher`.
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in checksums.utf8 {
            digest = (digest ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return "folio_template_" + String(digest, radix: 16)
    }

    private static func build(admin: PostgresClient, server: PostgresClient.Configuration, logger: Logger) async throws -> String {
        let name = finalName
        if try await admin.scalar("SELECT count(*) FROM pg_database WHERE datname = \(name)", as: Int64.self) == 1 {
            return name
        }
        let building = "folio_template_build_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin.query("CREATE DATABASE \(unescaped: building)", logger: logger)
        var configuration = server
        configuration.database = building
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            client.run(in: &group)
            defer { group.cancelAll() }
            _ = try await MigrationRunner(client: client, migrations: TestDatabase.migrations, logger: logger).run()
        }
        // The builder's connections close asynchronously; the rename waits for them.
        for _ in 0..<200 {
            do {
                try await admin.query("ALTER DATABASE \(unescaped: building) RENAME TO \(unescaped: name)", logger: logger)
                return name
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P04" {
                // Another process finished the same template first.
                try await admin.query("DROP DATABASE IF EXISTS \(unescaped: building) WITH (FORCE)", logger: logger)
                return name
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "55006" {
                try await Task.sleep(for: .milliseconds(25))
            }
        }
        try await admin.query("DROP DATABASE IF EXISTS \(unescaped: building) WITH (FORCE)", logger: logger)
        throw TemplateBusy(name: building)
    }

    struct TemplateBusy: Error, CustomStringConvertible {
        let name: String
        var description: String { "the template database \(name) still had connections after it was migrated" }
    }
}

/// Builds the template once per process; a failed build is tried again by the next test.
private actor TemplateCache {
    private var building: Task<String, any Error>?

    func name(_ build: @escaping @Sendable () async throws -> String) async throws -> String {
        let task = building ?? Task { try await build() }
        building = task
        do {
            return try await task.value
        } catch {
            if building == task { building = nil }
            throw error
        }
    }
}
