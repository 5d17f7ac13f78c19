import FolioDomain
import Foundation
import Logging
import Metrics
import PostgresNIO
import TenantRegistry

extension SecretVault {
    /// What `rotate` did.
    package struct RotationReport: Sendable, Equatable {
        /// Records moved to the active KEK.
        package var rewrapped = 0
        /// Records already under the active KEK when the run began.
        package var skipped = 0
        /// Records that could not be rewrapped (their KEK missing, or tampered with); they keep
        /// their old wrapping and are named in the log.
        package var failed = 0
        /// Records still not under the active KEK when the run ended: the failed ones, and any a
        /// replica with an older configuration wrote meanwhile. Zero means old keys can go.
        package var remaining = 0
    }

    /// Rewraps every data key not under the active KEK, in small committed batches, while the
    /// service keeps reading and writing.
    ///
    /// A batch locks its rows with `FOR UPDATE SKIP LOCKED`, so a concurrent store (which seals
    /// under the active KEK anyway) is never blocked and never overwritten, and two rotations
    /// share the work. After a crash, running it again picks up the records still left.
    ///
    /// - Parameter limit: stop after this many records (used to exercise resumption).
    package func rotate(actor: Actor, batchSize: Int = 200, limit: Int? = nil) async throws -> RotationReport {
        var report = RotationReport()
        let active = keys.active
        let countRows = try await client.query("SELECT count(*) FROM folio.vault_secrets WHERE kek_id = \(active.id)", logger: logger)
        report.skipped = Int(try await countRows.decode(Int64.self).firstElement() ?? 0)

        // Passes repeat while they make progress, so rows skipped because they were locked, or
        // written under an old key during the run, are picked up.
        var pass = 0
        var failedRecords: Set<String> = []
        while pass < 5, limit.map({ report.rewrapped + report.failed < $0 }) ?? true {
            pass += 1
            let before = report.rewrapped
            try await rotationPass(actor: actor, batchSize: batchSize, limit: limit, report: &report, failedRecords: &failedRecords)
            let remaining = try await countNotUnder(active.id)
            report.remaining = remaining
            if remaining == 0 || report.rewrapped == before { break }
        }
        logger.info(
            "vault rotation finished",
            metadata: [
                "rewrapped": "\(report.rewrapped)", "skipped": "\(report.skipped)", "failed": "\(report.failed)",
                "remaining": "\(report.remaining)", "kek_id": "\(active.id)",
            ]
        )
        return report
    }

    private func countNotUnder(_ keyID: String) async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM folio.vault_secrets WHERE kek_id <> \(keyID)", logger: logger)
        return Int(try await rows.decode(Int64.self).firstElement() ?? 0)
    }

    /// One walk over the records not under the active KEK, in key order.
    private func rotationPass(actor: Actor, batchSize: Int, limit: Int?, report: inout RotationReport, failedRecords: inout Set<String>) async throws {
        let active = keys.active
        var after = (tenant: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), purpose: "")
        while limit.map({ report.rewrapped + report.failed < $0 }) ?? true {
            let size = min(batchSize, limit.map { $0 - report.rewrapped - report.failed } ?? batchSize)
            let cursor = after
            let batch = try await client.withTransaction(logger: logger) { connection -> (rewrapped: Int, failed: [String], last: (UUID, String)?) in
                let rows = try await connection.query(
                    """
                    SELECT tenant_id, purpose, format_version, kek_id, wrapped_key, nonce, ciphertext
                    FROM folio.vault_secrets
                    WHERE kek_id <> \(active.id) AND (tenant_id, purpose) > (\(cursor.tenant), \(cursor.purpose))
                    ORDER BY tenant_id, purpose
                    LIMIT \(size)
                    FOR UPDATE SKIP LOCKED
                    """,
                    logger: logger
                )
                var records: [SealedRecord] = []
                var last: (UUID, String)?
                for try await (tenant, purpose, version, keyID, wrapped, nonce, ciphertext) in rows.decode((UUID, String, Int16, String, Data, Data, Data).self)
                {
                    last = (tenant, purpose)
                    guard let purpose = VaultPurpose(purpose) else { continue }
                    records.append(
                        SealedRecord(
                            tenant: TenantID(tenant), purpose: purpose, formatVersion: Int(version), keyID: keyID,
                            wrappedKey: wrapped, nonce: nonce, ciphertext: ciphertext
                        )
                    )
                }
                var rewrapped = 0
                var failed: [String] = []
                for record in records {
                    do {
                        let moved = try EnvelopeCipher.rewrap(record, keys: keys, to: active)
                        try await connection.query(
                            """
                            UPDATE folio.vault_secrets SET kek_id = \(moved.keyID), wrapped_key = \(moved.wrappedKey), updated_at = now()
                            WHERE tenant_id = \(record.tenant.rawValue) AND purpose = \(record.purpose.rawValue)
                            """,
                            logger: logger
                        )
                        try await audit(.rotate, tenant: record.tenant, purpose: record.purpose, actor: actor, keyID: moved.keyID, on: connection)
                        rewrapped += 1
                    } catch let error as VaultError {
                        if case .integrity = error { integrityFailures.increment() }
                        logger.error(
                            "vault record not rotated", metadata: ["tenant.id": "\(record.tenant)", "vault.purpose": "\(record.purpose)", "error": "\(error)"])
                        failed.append("\(record.tenant)/\(record.purpose)")
                    }
                }
                return (rewrapped, failed, last)
            }
            report.rewrapped += batch.rewrapped
            // A record that failed in an earlier pass is counted once.
            for record in batch.failed where failedRecords.insert(record).inserted {
                report.failed += 1
            }
            guard let last = batch.last else { break }
            after = (tenant: last.0, purpose: last.1)
        }
    }
}
