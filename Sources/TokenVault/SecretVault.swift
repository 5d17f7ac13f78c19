import FolioDomain
import Foundation
import Logging
import Metrics
import PostgresNIO
import TenantRegistry

/// Per-tenant secrets, envelope-encrypted, in the registry's `vault_secrets` table.
///
/// Every operation runs in one transaction together with its audit row, so there is no access
/// without a trace. The vault knows nothing of what a purpose means.
package struct SecretVault: Sendable {
    let client: PostgresClient
    let keys: KeyRing
    let logger: Logger
    let integrityFailures: Counter

    package init(client: PostgresClient, keys: KeyRing, logger: Logger) {
        self.client = client
        self.keys = keys
        self.logger = logger
        self.integrityFailures = Counter(label: "folio_vault_integrity_failures_total")
    }

    /// The caller recorded in the audit trail: a request id, or the command that acted.
    package typealias Actor = String

    /// Stores (or replaces) the tenant's secret for `purpose`, sealed under the active KEK.
    package func store(_ secret: Secret, tenant: TenantID, purpose: VaultPurpose, actor: Actor) async throws {
        do {
            try await client.withTransaction(logger: logger) { connection in
                try await store(secret, tenant: tenant, purpose: purpose, actor: actor, on: connection)
            }
        } catch {
            // A foreign-key violation: the tenant row is not there (or went away meanwhile).
            if DatabaseFailure(error)?.sqlState == "23503" { throw VaultError.unknownTenant(tenant) }
            throw DatabaseFailure.translated(error, into: VaultError.databaseFailed)
        }
    }

    /// Stores (or replaces) the secret inside the caller's transaction, so that it commits, or
    /// not, together with the settings it belongs to.
    package func store(_ secret: Secret, tenant: TenantID, purpose: VaultPurpose, actor: Actor, on connection: PostgresConnection) async throws {
        let record = try EnvelopeCipher.seal(secret, tenant: tenant, purpose: purpose, with: keys.active)
        try await connection.query(
            """
            INSERT INTO folio.vault_secrets (tenant_id, purpose, format_version, kek_id, wrapped_key, nonce, ciphertext)
            VALUES (\(tenant.rawValue), \(purpose.rawValue), \(record.formatVersion), \(record.keyID),
                    \(record.wrappedKey), \(record.nonce), \(record.ciphertext))
            ON CONFLICT (tenant_id, purpose) DO UPDATE SET
                format_version = excluded.format_version, kek_id = excluded.kek_id,
                wrapped_key = excluded.wrapped_key, nonce = excluded.nonce,
                ciphertext = excluded.ciphertext, updated_at = now()
            """,
            logger: logger
        )
        try await audit(.store, tenant: tenant, purpose: purpose, actor: actor, keyID: record.keyID, on: connection)
        logger.info("vault secret stored", metadata: ["tenant.id": "\(tenant)", "vault.purpose": "\(purpose)", "actor": "\(actor)"])
    }

    /// The tenant's secret for `purpose`, or `nil` when none is stored.
    ///
    /// A record that fails authentication throws `VaultError.integrity`, is logged without any
    /// secret material, and counted in `folio_vault_integrity_failures_total`.
    package func read(tenant: TenantID, purpose: VaultPurpose, actor: Actor) async throws -> Secret? {
        try await open(tenant: tenant, purpose: purpose, auditedAs: actor)?.secret
    }

    /// Records a read done without an audit row: for checks that anyone may trigger, such as the
    /// signature of an anonymous provider notification, where a row per request would let any
    /// caller grow the append-only trail without bound, the use is recorded once it matters (a
    /// signature that verified), with the key id of the record that was opened.
    package func recordRead(tenant: TenantID, purpose: VaultPurpose, actor: Actor, keyID: String) async throws {
        try await translatingDatabaseFailures(into: VaultError.databaseFailed) {
            try await client.withConnection { connection in
                try await audit(.read, tenant: tenant, purpose: purpose, actor: actor, keyID: keyID, on: connection)
            }
        }
    }

    private func open(tenant: TenantID, purpose: VaultPurpose, auditedAs actor: Actor?) async throws -> (secret: Secret, keyID: String)? {
        let record = try await translatingDatabaseFailures(into: VaultError.databaseFailed) {
            try await client.withTransaction(logger: logger) { connection -> SealedRecord? in
                try await fetch(tenant: tenant, purpose: purpose, auditedAs: actor, on: connection)
            }
        }
        guard let record else { return nil }
        return (try decrypt(record), record.keyID)
    }

    /// Like `read`, inside the caller's transaction: a secret read with the settings it belongs to
    /// in one snapshot can never be paired with another call's settings.
    package func read(tenant: TenantID, purpose: VaultPurpose, actor: Actor, on connection: PostgresConnection) async throws -> Secret? {
        let record = try await translatingDatabaseFailures(into: VaultError.databaseFailed) {
            try await fetch(tenant: tenant, purpose: purpose, auditedAs: actor, on: connection)
        }
        return try record.map(decrypt)
    }

    private func fetch(tenant: TenantID, purpose: VaultPurpose, auditedAs actor: Actor?, on connection: PostgresConnection) async throws -> SealedRecord? {
        let rows = try await connection.query(
            """
            SELECT format_version, kek_id, wrapped_key, nonce, ciphertext FROM folio.vault_secrets
            WHERE tenant_id = \(tenant.rawValue) AND purpose = \(purpose.rawValue)
            """,
            logger: logger
        )
        var record: SealedRecord?
        for try await (version, keyID, wrapped, nonce, ciphertext) in rows.decode((Int16, String, Data, Data, Data).self) {
            record = SealedRecord(
                tenant: tenant, purpose: purpose, formatVersion: Int(version), keyID: keyID,
                wrappedKey: wrapped, nonce: nonce, ciphertext: ciphertext
            )
        }
        if let record, let actor {
            try await audit(.read, tenant: tenant, purpose: purpose, actor: actor, keyID: record.keyID, on: connection)
        }
        return record
    }

    /// Decrypts a record that the caller read with its own statement, together with the rows it
    /// belongs to, in one round trip. That statement must also write the read's audit row
    /// (`auditedReadAction`), or the caller records the use later with `recordRead`: there is no
    /// access without a trace.
    package func open(_ record: SealedRecord) throws -> Secret {
        try decrypt(record)
    }

    /// The columns a caller's statement reads a record with, in the order `sealedRecord` decodes them.
    package static let sealedColumns = "format_version, kek_id, wrapped_key, nonce, ciphertext"

    /// `sealedColumns`, each qualified by `table`, for a statement that joins other tables.
    package static func sealedColumns(of table: String) -> String {
        sealedColumns.split(separator: ", ").map { "\(table).\($0)" }.joined(separator: ", ")
    }

    /// The `action` an audit row written by a caller's statement records for a read.
    package static let auditedReadAction = AuditAction.read.rawValue

    /// A record from the columns `sealedColumns` names, as a caller's statement returned them.
    package static func sealedRecord(
        tenant: TenantID, purpose: VaultPurpose, formatVersion: Int16, keyID: String, wrappedKey: Data, nonce: Data, ciphertext: Data
    ) -> SealedRecord {
        SealedRecord(
            tenant: tenant, purpose: purpose, formatVersion: Int(formatVersion), keyID: keyID, wrappedKey: wrappedKey, nonce: nonce,
            ciphertext: ciphertext
        )
    }

    /// The record in the five `sealedColumns` of a caller's row, from cell `first` on; `nil` when
    /// they are NULL (a secret the statement's outer join did not find).
    package static func sealedRecord(tenant: TenantID, purpose: VaultPurpose, in cells: PostgresRandomAccessRow, from first: Int) throws -> SealedRecord? {
        guard let formatVersion = try cells[first].decode(Int16?.self) else { return nil }
        return sealedRecord(
            tenant: tenant, purpose: purpose, formatVersion: formatVersion, keyID: try cells[first + 1].decode(String.self),
            wrappedKey: try cells[first + 2].decode(Data.self), nonce: try cells[first + 3].decode(Data.self),
            ciphertext: try cells[first + 4].decode(Data.self)
        )
    }

    private func decrypt(_ record: SealedRecord) throws -> Secret {
        do {
            return try EnvelopeCipher.open(record, keys: keys)
        } catch {
            if case .integrity = error { integrityFailures.increment() }
            logger.error(
                "vault record could not be decrypted",
                metadata: ["tenant.id": "\(record.tenant)", "vault.purpose": "\(record.purpose)", "vault.kek_id": "\(record.keyID)", "error": "\(error)"]
            )
            throw error
        }
    }

    /// Deletes the tenant's secret for `purpose`; returns whether there was one.
    package func delete(tenant: TenantID, purpose: VaultPurpose, actor: Actor) async throws -> Bool {
        try await translatingDatabaseFailures(into: VaultError.databaseFailed) {
            try await client.withTransaction(logger: logger) { connection in
                try await delete(tenant: tenant, purpose: purpose, actor: actor, on: connection)
            }
        }
    }

    /// Deletes the secret inside the caller's transaction.
    package func delete(tenant: TenantID, purpose: VaultPurpose, actor: Actor, on connection: PostgresConnection) async throws -> Bool {
        try await Self.setActor(actor, on: connection, logger: logger)
        let rows = try await connection.query(
            "DELETE FROM folio.vault_secrets WHERE tenant_id = \(tenant.rawValue) AND purpose = \(purpose.rawValue) RETURNING 1",
            logger: logger
        )
        return try await rows.count() > 0
    }

    /// Deletes every secret of the tenant (crypto-shredding); returns how many there were.
    package func deleteAll(tenant: TenantID, actor: Actor) async throws -> Int {
        try await translatingDatabaseFailures(into: VaultError.databaseFailed) {
            try await client.withTransaction(logger: logger) { connection in
                try await deleteAll(tenant: tenant, actor: actor, on: connection)
            }
        }
    }

    /// Deletes every secret of the tenant inside the caller's transaction.
    package func deleteAll(tenant: TenantID, actor: Actor, on connection: PostgresConnection) async throws -> Int {
        try await Self.setActor(actor, on: connection, logger: logger)
        let rows = try await connection.query(
            "DELETE FROM folio.vault_secrets WHERE tenant_id = \(tenant.rawValue) RETURNING 1",
            logger: logger
        )
        return try await rows.count()
    }

    /// Names the actor for audit rows the database writes itself in this transaction.
    package static func setActor(_ actor: Actor, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT set_config('folio.actor', \(actor), true)", logger: logger)
    }

    /// Refuses to start while records need a KEK that is not configured.
    package func checkEveryRecordHasItsKey() async throws {
        let rows = try await client.query("SELECT kek_id, count(*) FROM folio.vault_secrets GROUP BY kek_id", logger: logger)
        var missing: [String] = []
        var count = 0
        for try await (keyID, records) in rows.decode((String, Int64).self) where keys.key(id: keyID) == nil {
            missing.append(keyID)
            count += Int(records)
        }
        guard missing.isEmpty else { throw VaultError.keysMissingForRecords(count: count, keyIDs: missing.sorted()) }
    }

    enum AuditAction: String {
        case store, read, rotate
    }

    func audit(_ action: AuditAction, tenant: TenantID, purpose: VaultPurpose, actor: Actor, keyID: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO folio.vault_audit (tenant_id, purpose, action, actor, kek_id)
            VALUES (\(tenant.rawValue), \(purpose.rawValue), \(action.rawValue), \(actor), \(keyID))
            """,
            logger: logger
        )
    }
}
