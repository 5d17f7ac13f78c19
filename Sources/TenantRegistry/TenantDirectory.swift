import FolioDomain
import Foundation
import Logging
import PostgresNIO

/// The tenants of this Folio, each with its own schema; backed by PostgreSQL.
package struct TenantDirectory: Sendable {
    let client: PostgresClient
    /// Tenant migrations applied to a schema when the tenant's first write makes it.
    let tenantMigrations: [Migration]
    let logger: Logger
    /// Shared by every copy of this directory.
    let currentSchemas: CurrentSchemas
    /// Where a tenant's units of work and reads run when its connection is open and idle.
    let tenantConnections: TenantConnections?
    /// Whether the statement each unit of work starts with is prepared once per connection
    /// (`DatabaseURL.preparesStatements`).
    let preparesStatements: Bool

    package init(
        client: PostgresClient, tenantMigrations: [Migration], logger: Logger, tenantConnections: TenantConnections? = nil,
        preparesStatements: Bool = false
    ) {
        self.client = client
        self.tenantMigrations = tenantMigrations
        self.logger = logger
        self.currentSchemas = CurrentSchemas()
        self.tenantConnections = tenantConnections
        self.preparesStatements = preparesStatements
    }

    /// Runs `body` on the tenant's own connection when it is open and idle (or soon will be; see
    /// `TenantConnections`), else on the shared pool's.
    private func withConnection<Result>(
        for id: TenantID, use: TenantConnections.Use = .other, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        guard let tenantConnections else { return try await client.withConnection(body) }
        return try await tenantConnections.withConnection(for: id, shared: client, use: use, body)
    }

    /// The version a tenant schema must have for its units of work to run.
    var latestTenantVersion: Int { tenantMigrations.last?.version ?? 0 }

    /// One page of the tenant list.
    package struct Page: Sendable {
        package let tenants: [Tenant]
        /// Pass to `list(limit:after:)` to read on; `nil` on the last page.
        package let nextCursor: String?
    }

    /// Registers a tenant, or returns the one already registered under the same external id.
    ///
    /// Only the tenant's row is written: its schema is made by its first write (see `withTenant`),
    /// so a tenant that never invoices costs no tables, and registering costs one commit. Concurrent
    /// calls with one external id serialise on its unique index, and all but the first return the
    /// first one's tenant.
    package func register(_ registration: TenantRegistration) async throws -> (tenant: Tenant, created: Bool) {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            // A competing registration that rolls back after we waited on it leaves no row to return;
            // trying again then either inserts or finds a committed winner.
            for _ in 0..<3 {
                if let outcome = try await registerOnce(registration) { return outcome }
            }
            throw RegistryConflict.externalIDContended
        }
    }

    private func registerOnce(_ registration: TenantRegistration) async throws -> (tenant: Tenant, created: Bool)? {
        try await client.inTransaction(logger: logger) { connection in
            let id = TenantID.random()
            let schema = id.schemaName
            let inserted = try await connection.query(
                """
                INSERT INTO folio.tenants (id, external_id, display_name, schema_name)
                VALUES (\(id.rawValue), \(registration.externalID), \(registration.displayName), \(schema))
                ON CONFLICT (external_id) DO NOTHING
                RETURNING created_at
                """,
                logger: logger
            )
            guard let createdAt = try await inserted.decode(Date.self).collect().first else {
                guard let existing = try await Self.tenant(externalID: registration.externalID, on: connection, logger: logger) else {
                    return nil
                }
                return (existing, false)
            }
            logger.info("tenant registered", metadata: ["tenant.id": "\(id)"])
            let tenant = Tenant(id: id, externalID: registration.externalID, displayName: registration.displayName, createdAt: createdAt)
            return (tenant, true)
        }
    }

    package func tenant(_ id: TenantID) async throws -> Tenant? {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            let rows = try await client.query(
                "SELECT id, external_id, display_name, created_at FROM folio.tenants WHERE id = \(id.rawValue)",
                logger: logger
            )
            return try await Self.firstTenant(in: rows)
        }
    }

    /// Whether the tenant is registered: from memory when its schema is remembered, since a
    /// tenant stays registered until it is deleted. A tenant another replica deleted since is still
    /// answered as registered while it stays remembered (up to `schemasRememberedFor` after this
    /// replica last read or loaded it), so only a caller whose unit of work then reads the
    /// tenant's row should trust this.
    package func isRegistered(_ id: TenantID) async throws -> Bool {
        if currentSchemas.schema(of: id) != nil { return true }
        return try await tenant(id) != nil
    }

    /// Tenants in registration order, `limit` at a time.
    package func list(limit: Int, after cursor: String?) async throws -> Page {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            let afterSeq = try cursor.map(Self.decodeCursor) ?? 0
            let rows = try await client.query(
                """
                SELECT id, external_id, display_name, created_at, seq FROM folio.tenants
                WHERE seq > \(afterSeq) ORDER BY seq LIMIT \(limit + 1)
                """,
                logger: logger
            )
            // One row more than asked tells whether another page follows.
            let rowsRead = try await rows.decode((UUID, String, String?, Date, Int64).self).collect().map { id, externalID, displayName, createdAt, seq in
                (Tenant(id: TenantID(id), externalID: externalID, displayName: displayName, createdAt: createdAt), seq)
            }
            let page = rowsRead.prefix(limit)
            let nextCursor = rowsRead.count > limit ? page.last.map { Self.encodeCursor($0.1) } : nil
            return Page(tenants: page.map(\.0), nextCursor: nextCursor)
        }
    }

    /// Removes the tenant, its keys, its vault records and its schema with all its data.
    /// Returns false for an unknown id.
    ///
    /// - Parameter actor: who asked (a request id or a command), for the audit rows the database
    ///   writes as the tenant's vault records go.
    package func delete(_ id: TenantID, actor: String) async throws -> Bool {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            try await client.inTransaction(logger: logger) { connection in
                try await connection.query("SELECT set_config('folio.actor', \(actor), true)", logger: logger)
                let rows = try await connection.query(
                    "DELETE FROM folio.tenants WHERE id = \(id.rawValue) RETURNING schema_name",
                    logger: logger
                )
                guard let schema = try await rows.decode(String.self).collect().first else { return false }
                currentSchemas.forget(id)
                try await connection.query("DROP SCHEMA IF EXISTS \(unescaped: quotedIdentifier(schema)) CASCADE", logger: logger)
                logger.info("tenant deleted", metadata: ["tenant.id": "\(id)"])
                return true
            }
        }
    }

    /// Runs `body` as one unit of work inside the tenant's schema: a transaction whose search path
    /// is set locally, so unqualified names are the tenant's tables and nothing leaks to the pool.
    ///
    /// A closure rather than a unit-of-work value handed back to the caller: the transaction, its
    /// `SET LOCAL` and the pooled connection all end when `body` returns or throws (or its task is
    /// cancelled), which is what keeps Folio correct behind PgBouncer in transaction mode. A value
    /// would have to be committed, rolled back and returned to the pool by hand on every path.
    /// `body` holds only the caller's own statements; the stores offer theirs as `…(on: connection)`.
    /// The tenant is looked up and the search path set by one statement.
    ///
    /// A tenant without a schema yet gets one before its first writing unit runs; a reading unit
    /// reads `TenantSchema.template` instead, which answers as an empty schema.
    ///
    /// - Parameter reading: the unit only reads. The tenant row is then not locked: a row lock
    ///   gives the transaction an id and makes its commit wait for a WAL flush, which would cost
    ///   every read a disk write. A tenant deleted meanwhile is gone either way. A single read
    ///   statement is cheaper still with `read(_:_:decode:)`.
    package func withTenant<Result: Sendable>(
        _ id: TenantID,
        reading: Bool = false,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        if reading {
            return try await withTenant(startingWith: ReadTenantRowStatement(tenant: id), reading: true) { connection, _ in try await body(connection) }
        }
        return try await withTenant(startingWith: LockedTenantRowStatement(tenant: id)) { connection, _ in try await body(connection) }
    }

    /// A writing unit of work, as `withTenant(_:reading:_:)`, that starts with `statement`: the
    /// tenant's row (`FOR KEY SHARE`) with more of the registry, which `body` gets as that row.
    package func withTenant<Statement: TenantRowStatement, Result: Sendable>(
        startingWith statement: Statement,
        _ body: (PostgresConnection, PostgresRow) async throws -> Result
    ) async throws -> Result {
        try await withTenant(startingWith: statement, reading: false, body)
    }

    private func withTenant<Statement: TenantRowStatement, Result: Sendable>(
        startingWith statement: Statement,
        reading: Bool,
        _ body: (PostgresConnection, PostgresRow) async throws -> Result
    ) async throws -> Result {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            if let done = try await unitOfWork(statement, reading: reading, body) { return done }
            try await makeSchema(of: statement.tenant)
            guard let done = try await unitOfWork(statement, reading: reading, body) else { throw RegistryError.tenantNotFound(statement.tenant) }
            return done
        }
    }

    /// A writing unit of work, run only if the tenant already has a schema: `nil` otherwise, with
    /// nothing made. For what is worth writing only next to the tenant's own data, such as a
    /// refused notification, so that a request cannot make a schema for a tenant that never wrote.
    package func withTenantIfItHasSchema<Result: Sendable>(
        _ id: TenantID,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result? {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            try await unitOfWork(LockedTenantRowStatement(tenant: id), reading: false) { connection, _ in try await body(connection) }
        }
    }

    /// The unit of work, or `nil` without running `body` when it would write to a tenant that has
    /// no schema yet; the unit then rolls back, its first statement's writes included.
    ///
    /// A prepared first statement that fails aborts its transaction before `body` runs, so the
    /// unit then runs again from the start with the statement unnamed. It can fail where the
    /// same text would not: its preparation failed once (postgres-nio then answers that error on
    /// that connection for good), or a transaction pooler handed the run to a server connection
    /// that never prepared it.
    private func unitOfWork<Statement: TenantRowStatement, Result: Sendable>(
        _ statement: Statement,
        reading: Bool,
        _ body: (PostgresConnection, PostgresRow) async throws -> Result
    ) async throws -> Result? {
        if preparesStatements {
            do {
                return try await unitOfWork(statement, reading: reading, prepared: true, body)
            } catch let failure as PreparedTenantRowFailure {
                if Task.isCancelled { throw failure.error }
                logger.debug("prepared tenant row statement failed; running it unnamed", metadata: ["error": "\(failure.error)"])
            }
        }
        return try await unitOfWork(statement, reading: reading, prepared: false, body)
    }

    private func unitOfWork<Statement: TenantRowStatement, Result: Sendable>(
        _ statement: Statement,
        reading: Bool,
        prepared: Bool,
        _ body: (PostgresConnection, PostgresRow) async throws -> Result
    ) async throws -> Result? {
        let id = statement.tenant
        do {
            return try await withConnection(for: id) { connection in
                try await connection.inTransaction(logger: logger) { connection in
                    try await tenantRow(statement, prepared: prepared, on: connection)
                } _: { connection, rows in
                    guard let row = rows.first else { throw RegistryError.tenantNotFound(id) }
                    let cells = PostgresRandomAccessRow(row)
                    let schema = try cells[0].decode(String.self)
                    guard let version = try cells[1].decode(Int?.self) else {
                        // Not remembered: another replica may make the schema at any moment.
                        guard reading else { throw TenantHasNoSchema() }
                        return try await body(connection, row)
                    }
                    guard version >= latestTenantVersion else { throw RegistryError.tenantSchemaBehind(id) }
                    currentSchemas.remember(id, schema: schema)
                    return try await body(connection, row)
                }
            }
        } catch is TenantHasNoSchema {
            return nil
        }
    }

    /// The rows of the unit's first statement; a prepared run that fails only because the name
    /// cannot be used here throws `PreparedTenantRowFailure`.
    private func tenantRow(_ statement: some TenantRowStatement, prepared: Bool, on connection: PostgresConnection) async throws -> [PostgresRow] {
        do {
            return try await connection.rows(of: statement, prepared: prepared, logger: logger)
        } catch let error as PSQLError where prepared && error.sqlState.map(Self.preparedStatementUnusable.contains) == true {
            throw PreparedTenantRowFailure(error: error)
        }
    }

    /// The errors that say a named statement cannot be used on this connection, where the same
    /// text unnamed would run: no such statement (a pooler moved the run), another statement
    /// under the name, a statement that does not take these parameters, and "cached plan must
    /// not change result type". Anything else (a lock timeout, a deadlock) is the unit's answer,
    /// and running it again would only wait twice.
    static let preparedStatementUnusable: Set<String> = ["26000", "42P05", "08P01", "0A000"]

    /// Makes the tenant's schema now if it has none, for a tenant about to write (its invoicing was
    /// just enabled), so that its first invoice does not wait about 30 ms for it. Best effort: a
    /// failure is logged, and the first write makes the schema anyway.
    package func prepareSchema(of id: TenantID) async {
        do {
            if currentSchemas.schema(of: id) != nil { return }
            guard let (_, version) = try await registeredSchema(of: id), version == nil else { return }
            try await makeSchema(of: id)
        } catch {
            logger.warning(
                "tenant schema not made ahead of its first write", metadata: ["tenant.id": "\(id)", "error.type": "\(type(of: error))"])
        }
    }

    /// Makes the tenant's schema at the latest version, in a transaction of its own: a first unit
    /// of work that is then refused leaves the schema rather than building and rolling it back on
    /// every attempt, and the tenant row's stronger lock is held only while the schema is made.
    /// That lock makes a second first write wait until the first commits; it then reads the
    /// version the first recorded (a locking read sees the newest committed row) and leaves it.
    private func makeSchema(of id: TenantID) async throws {
        try await client.inTransaction(logger: logger) { connection in
            // Shared with other first writes, exclusive with the template's migration: a runner
            // that migrates the template waits for the schemas being made, so its list of schemas
            // behind includes them, and a schema made after it sees the template's new version.
            try await connection.query(
                "SELECT pg_advisory_xact_lock_shared(\(MigrationRunner.tenantLockClass), hashtext(\(TenantSchema.template.name)))",
                logger: logger
            )
            let rows = try await connection.query(
                "SELECT schema_name, schema_version FROM folio.tenants WHERE id = \(id.rawValue) FOR NO KEY UPDATE",
                logger: logger
            )
            guard let (schema, version) = try await rows.decode((String, Int?).self).collect().first else {
                throw RegistryError.tenantNotFound(id)
            }
            if version != nil { return }
            // A template built from newer files than this replica's means a newer replica runs:
            // the schema is left to it, so that it is never made behind what the others need.
            if let templateVersion = try await TenantSchemaTemplate.version(on: connection, logger: logger),
                templateVersion > latestTenantVersion
            {
                throw RegistryError.tenantSchemaBehind(id)
            }
            try await TenantSchemaProvisioning.create(schema, migrations: tenantMigrations, on: connection, logger: logger)
            logger.info("tenant schema made", metadata: ["tenant.id": "\(id)"])
        }
    }

    /// Runs one read statement on the tenant's tables, outside any transaction: a single round
    /// trip once the tenant's schema is known to be current. `statement` names every table through
    /// the `TenantSchema` it is given; nothing else reaches the schema. `decode` only reads the
    /// rows: another statement of the connection's tenants may be waiting for it to return.
    ///
    /// A tenant deleted since it was last seen has no schema left, so its statement fails on a
    /// missing relation; the tenant is then looked up again and answered as not found.
    package func read<Result: Sendable>(
        _ id: TenantID,
        _ statement: (TenantSchema) -> PostgresQuery,
        decode: (PostgresRowSequence) async throws -> Result
    ) async throws -> Result {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            let schema = try await currentSchema(of: id)
            do {
                return try await withConnection(for: id, use: .singleRead) { connection in
                    try await decode(connection.query(statement(schema), logger: logger))
                }
            } catch let error as PSQLError where error.sqlState == "42P01" || error.sqlState == "3F000" {
                currentSchemas.forget(id)
                guard try await registeredSchema(of: id) != nil else { throw RegistryError.tenantNotFound(id) }
                throw error
            }
        }
    }

    /// Remembers the schema of every tenant whose schema is current, at most `limit` of them, so
    /// that a tenant's first read since this replica started, or since it was last read, needs no
    /// registry round trip. Safe at any moment, for the reasons `CurrentSchemas` gives: a tenant
    /// deleted right after this reads it is forgotten by its first read. Returns how many.
    package func rememberCurrentSchemas(limit: Int) async throws -> Int {
        try await translatingDatabaseFailures(into: RegistryError.databaseFailed) {
            let rows = try await client.query(
                // In registration order, so that past the limit each load keeps the same tenants.
                "SELECT id, schema_name FROM folio.tenants WHERE schema_version >= \(latestTenantVersion) ORDER BY seq LIMIT \(limit)",
                logger: logger
            )
            let current = try await rows.decode((UUID, String).self).collect().map { (tenant: TenantID($0), schema: $1) }
            currentSchemas.remember(current)
            return current.count
        }
    }

    /// How long a remembered schema is trusted without a read; `rememberCurrentSchemas` is worth
    /// running more often than this.
    package var schemasRememberedFor: Duration { currentSchemas.timeToLive }

    /// The tenant's schema, checked to be at the version this Folio needs, or the template while
    /// the tenant has none. Only a schema of its own is remembered: another replica may make it at
    /// any moment, and a remembered template would hide the tenant's first rows.
    private func currentSchema(of id: TenantID) async throws -> TenantSchema {
        if let schema = currentSchemas.schema(of: id) { return TenantSchema(name: schema) }
        guard let (schema, version) = try await registeredSchema(of: id) else { throw RegistryError.tenantNotFound(id) }
        guard let version else { return .template }
        guard version >= latestTenantVersion else { throw RegistryError.tenantSchemaBehind(id) }
        currentSchemas.remember(id, schema: schema)
        return TenantSchema(name: schema)
    }

    private func registeredSchema(of id: TenantID) async throws -> (String, Int?)? {
        let rows = try await client.query("SELECT schema_name, schema_version FROM folio.tenants WHERE id = \(id.rawValue)", logger: logger)
        return try await rows.decode((String, Int?).self).collect().first
    }

    // MARK: - Helpers

    private static func tenant(externalID: String, on connection: PostgresConnection, logger: Logger) async throws -> Tenant? {
        let rows = try await connection.query(
            "SELECT id, external_id, display_name, created_at FROM folio.tenants WHERE external_id = \(externalID)",
            logger: logger
        )
        return try await firstTenant(in: rows)
    }

    private static func firstTenant(in rows: PostgresRowSequence) async throws -> Tenant? {
        try await rows.decode((UUID, String, String?, Date).self).collect().first.map { id, externalID, displayName, createdAt in
            Tenant(id: TenantID(id), externalID: externalID, displayName: displayName, createdAt: createdAt)
        }
    }

    /// Cursors are opaque to callers; inside they carry the last position seen.
    static func encodeCursor(_ seq: Int64) -> String {
        Data("t:\(seq)".utf8).base64URLEncodedString()
    }

    static func decodeCursor(_ cursor: String) throws(RegistryError) -> Int64 {
        guard cursor.utf8.count <= 64,
            let data = Data(base64URLEncoded: cursor),
            let text = String(data: data, encoding: .utf8),
            text.hasPrefix("t:"),
            let seq = Int64(text.dropFirst(2)),
            seq >= 0
        else {
            throw .invalidCursor
        }
        return seq
    }
}

/// Registration kept colliding with registrations that rolled back; the caller may retry.
package enum RegistryConflict: Error, Sendable {
    case externalIDContended
}

/// The prepared tenant row statement failed: its unit runs again with the statement unnamed.
private struct PreparedTenantRowFailure: Error {
    let error: any Error
}

/// A writing unit found the tenant without a schema: it rolls back, and the schema is made.
private struct TenantHasNoSchema: Error {}
