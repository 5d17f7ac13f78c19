import Foundation
import Logging
import PostgresNIO

/// Applies `Migrations/` to the registry schema and to every tenant schema.
///
/// Safe to run from several replicas at once: registry files are applied one per transaction under
/// a transaction-scoped advisory lock, and each tenant schema is migrated in its own transaction
/// under a lock of its own. A crash loses at most the transaction in flight, so the next run
/// resumes where the last one stopped.
package struct MigrationRunner: Sendable {
    /// The schema that holds the registry: tenants, keys and cross-tenant queues.
    package static let registrySchema = "folio"
    /// `pg_advisory_xact_lock` key for registry work ("Folio" in ASCII).
    static let registryLockKey: Int64 = 0x46_6F_6C_69_6F
    /// First half of the two-part advisory lock key taken per tenant schema.
    static let tenantLockClass: Int32 = 0x46_6F_6C_69

    package struct Report: Sendable, Equatable {
        package var registryApplied = 0
        /// Tenant schemas that were visited (all of them with `verifyAll`, otherwise those behind).
        package var tenantSchemasChecked = 0
        /// Tenant schemas that had at least one file applied.
        package var tenantSchemasMigrated = 0
        package var tenantFilesApplied = 0
    }

    let client: PostgresClient
    let migrations: MigrationSet
    let logger: Logger
    /// How many tenant schemas are migrated at once.
    let concurrency: Int

    package init(client: PostgresClient, migrations: MigrationSet, logger: Logger, concurrency: Int = 4) {
        self.client = client
        self.migrations = migrations
        self.logger = logger
        self.concurrency = max(1, concurrency)
    }

    /// The highest tenant migration version; a tenant whose schema is at it is up to date.
    package var latestTenantVersion: Int {
        migrations.tenant.last?.version ?? 0
    }

    /// Runs registry migrations, then tenant migrations.
    ///
    /// - Parameter verifyAll: visit every tenant schema and check its ledger against the files,
    ///   instead of only the schemas whose recorded version is behind.
    package func run(verifyAll: Bool = false) async throws -> Report {
        var report = Report()
        report.registryApplied = try await migrateRegistry()
        try await verifyTenantCatalogue()
        var failures: [MigrationError.SchemaFailure] = []
        // Before any tenant schema: a tenant without a schema reads the template.
        do {
            _ = try await TenantSchemaTemplate.bringUpToDate(migrations: migrations.tenant, client: client, logger: logger)
        } catch {
            let reason = Self.reason(for: error)
            logger.error("tenant template failed to migrate", metadata: ["schema": "\(TenantSchema.template.name)", "reason": "\(reason)"])
            failures.append(.init(schema: TenantSchema.template.name, reason: reason))
        }

        let schemas = try await tenantSchemas(onlyBehind: !verifyAll)
        report.tenantSchemasChecked = schemas.count

        let migrateOne: @Sendable (String) async -> (String, Result<Int, any Error>) = { schema in
            do {
                return (schema, .success(try await migrateTenantSchema(schema)))
            } catch {
                return (schema, .failure(error))
            }
        }
        await withTaskGroup(of: (String, Result<Int, any Error>).self) { group in
            var pending = schemas.makeIterator()
            var started = 0
            while started < concurrency, let schema = pending.next() {
                group.addTask { await migrateOne(schema) }
                started += 1
            }
            while let (schema, result) = await group.next() {
                switch result {
                case .success(let applied):
                    if applied > 0 {
                        report.tenantSchemasMigrated += 1
                        report.tenantFilesApplied += applied
                    }
                case .failure(let error):
                    let reason = Self.reason(for: error)
                    logger.error("tenant schema failed to migrate", metadata: ["schema": "\(schema)", "reason": "\(reason)"])
                    failures.append(.init(schema: schema, reason: reason))
                }
                if let schema = pending.next() {
                    group.addTask { await migrateOne(schema) }
                }
            }
        }

        guard failures.isEmpty else {
            throw MigrationError.tenantSchemasFailed(failures.sorted { $0.schema < $1.schema })
        }
        return report
    }

    /// Whether every registry file is applied: what readiness checks.
    ///
    /// Tenant schemas and the template are left out on purpose: one broken tenant schema must not
    /// take every replica out of service. A tenant whose schema is behind is refused on its own (see
    /// `TenantDirectory.withTenant`) and counted by `tenantSchemasBehind()`.
    package func isUpToDate() async throws -> Bool {
        let applied = try await client.query("SELECT version FROM folio.schema_migrations", logger: logger)
        let versions = Set(try await applied.decode(Int.self).collect())
        return Set(migrations.registry.map(\.version)).isSubset(of: versions)
    }

    /// How many tenant schemas are not at the latest tenant migration. A tenant without a schema
    /// yet is not behind: its first write makes its schema at the latest version.
    package func tenantSchemasBehind() async throws -> Int {
        let rows = try await client.query(
            "SELECT count(*) FROM folio.tenants WHERE schema_version < \(latestTenantVersion)",
            logger: logger
        )
        return Int(try await rows.decode(Int64.self).firstElement() ?? 0)
    }

    // MARK: - Registry

    /// Applies pending registry files, one transaction each; returns how many were applied.
    private func migrateRegistry() async throws -> Int {
        var applied = 0
        while try await applyNextRegistryMigration() {
            applied += 1
        }
        return applied
    }

    private func applyNextRegistryMigration() async throws -> Bool {
        try await client.inTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.registryLockKey))", logger: logger)
            try await connection.query(
                "CREATE SCHEMA IF NOT EXISTS \(unescaped: quotedIdentifier(Self.registrySchema))",
                logger: logger
            )
            try await connection.setLocalSearchPath(Self.registrySchema, logger: logger)
            try await MigrationLedger.ensure(on: connection, logger: logger)
            let entries = try await MigrationLedger.entries(on: connection, logger: logger)
            try MigrationLedger.verify(entries, against: migrations.registry, schema: Self.registrySchema)
            let appliedVersions = Set(entries.map(\.version))
            guard let next = migrations.registry.first(where: { !appliedVersions.contains($0.version) }) else {
                return false
            }
            logger.info("applying registry migration", metadata: ["migration": "\(next.name)"])
            try await MigrationLedger.apply([next], schema: Self.registrySchema, on: connection, logger: logger)
            return true
        }
    }

    /// Tenant files are checked once against the catalogue kept in the registry, so an edited
    /// tenant file is refused even when no schema needs work.
    private func verifyTenantCatalogue() async throws {
        try await client.inTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.registryLockKey))", logger: logger)
            let rows = try await connection.query(
                "SELECT version, name, checksum FROM folio.tenant_migration_catalogue ORDER BY version",
                logger: logger
            )
            let entries = try await rows.decode((Int, String, String).self).collect().map(MigrationLedger.Entry.init)
            try MigrationLedger.verify(entries, against: migrations.tenant, schema: "tenant catalogue")
            let known = Set(entries.map(\.version))
            // Schemas are caught up by version watermark, so a new file numbered below one already
            // applied would never reach existing schemas.
            let highest = entries.map(\.version).max() ?? 0
            if let late = migrations.tenant.first(where: { !known.contains($0.version) && $0.version < highest }) {
                throw MigrationError.outOfOrder(scope: .tenant, name: late.name)
            }
            for migration in migrations.tenant where !known.contains(migration.version) {
                try await connection.query(
                    """
                    INSERT INTO folio.tenant_migration_catalogue (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """,
                    logger: logger
                )
            }
        }
    }

    // MARK: - Tenant schemas

    private func tenantSchemas(onlyBehind: Bool) async throws -> [String] {
        let rows: PostgresRowSequence
        if onlyBehind {
            rows = try await client.query(
                "SELECT schema_name FROM folio.tenants WHERE schema_version < \(latestTenantVersion) ORDER BY created_at, id",
                logger: logger
            )
        } else {
            // A tenant without a schema has nothing to verify; its first write makes the schema current.
            rows = try await client.query(
                "SELECT schema_name FROM folio.tenants WHERE schema_version IS NOT NULL ORDER BY created_at, id", logger: logger
            )
        }
        return try await rows.decode(String.self).collect()
    }

    /// Migrates one tenant schema in its own transaction; returns how many files it applied.
    private func migrateTenantSchema(_ schema: String) async throws -> Int {
        try await client.inTransaction(logger: logger) { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(Self.tenantLockClass), hashtext(\(schema)))",
                logger: logger
            )
            // The tenant row is locked before any of its tables, the same order as a unit of
            // work (which takes KEY SHARE, compatible with this lock) and a deletion: no deadlock.
            // No row means the tenant was deleted since the list was read.
            let row = try await connection.query(
                "SELECT 1 FROM folio.tenants WHERE schema_name = \(schema) FOR NO KEY UPDATE",
                logger: logger
            )
            guard try await row.count() > 0 else { return 0 }
            return try await Self.bringUpToDate(schema, migrations: migrations.tenant, on: connection, logger: logger)
        }
    }

    /// Applies what `schema` lacks inside the caller's transaction and records its new version.
    /// `TenantSchemaProvisioning` builds a new schema from the same files in one block.
    static func bringUpToDate(
        _ schema: String,
        migrations: [Migration],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Int {
        try await connection.setLocalSearchPath(schema, logger: logger)
        try await MigrationLedger.ensure(on: connection, logger: logger)
        let entries = try await MigrationLedger.entries(on: connection, logger: logger)
        try MigrationLedger.verify(entries, against: migrations, schema: schema)
        let appliedVersions = Set(entries.map(\.version))
        let pending = migrations.filter { !appliedVersions.contains($0.version) }
        try await MigrationLedger.apply(pending, schema: schema, on: connection, logger: logger)
        let latest = migrations.last?.version ?? 0
        try await connection.query(
            "UPDATE folio.tenants SET schema_version = \(latest) WHERE schema_name = \(schema)",
            logger: logger
        )
        return pending.count
    }

    static func reason(for error: any Error) -> String {
        switch error {
        case let error as MigrationError: error.description
        case let error as PSQLError: error.serverSummary
        default: String(describing: error)
        }
    }
}
