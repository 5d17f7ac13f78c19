import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import TenantRegistry
import TokenVault

/// A notification key as the vault opened it, with what recording its use needs.
package struct OpenedNotificationKey: Sendable {
    package var key: NotificationKey
    /// The KEK that sealed it, named in the audit row of its use.
    package var keyID: String
    /// Whether it is the key a rotation replaced, still verifying during its grace period.
    package var isPrevious: Bool
}

/// What checking a notification needs: the active shop's id and the keys its signature may be
/// made with, the current key first, then the previous one while its grace period runs; and the
/// shop with its sealed token, for the provider read that confirms a claim.
package struct NotificationSettings: Sendable {
    package var merchantID: String
    /// Empty when the tenant gave no notification key.
    package var keys: [OpenedNotificationKey]
    /// `nil` when the shop's token is missing from the vault.
    package var shop: SealedShop?
}

extension InvoicingSetup {
    /// The settings of `tenant`'s notifications; `nil` when invoicing is not active.
    ///
    /// Anyone may post a notification, so the keys and the token are read without an audit row;
    /// the caller audits a key's use with `recordNotificationKeyUse` once a signature verified,
    /// and the token's with `recordTokenUse` before it opens it. The settings, the keys and the
    /// token are read by one statement, and a grace period is judged by the database's clock, the
    /// same for every replica.
    package func notificationSettings(of tenant: TenantID) async throws -> NotificationSettings? {
        let found = try await client.rows(of: NotificationSettingsStatement(tenant: tenant), prepared: preparesStatements, logger: logger)
        guard let first = found.first else { return nil }
        var settings = NotificationSettings(merchantID: try PostgresRandomAccessRow(first)[3].decode(String.self), keys: [], shop: nil)
        var current: OpenedNotificationKey?
        var previous: OpenedNotificationKey?
        for row in found {
            let cells = PostgresRandomAccessRow(row)
            switch try cells[2].decode(String?.self) {
            case nil: continue
            case Self.notificationKeyPurpose.rawValue: current = try openedKey(in: cells, algorithmAt: 0, purpose: Self.notificationKeyPurpose, tenant: tenant)
            case Self.previousNotificationKeyPurpose.rawValue:
                previous = try openedKey(in: cells, algorithmAt: 1, purpose: Self.previousNotificationKeyPurpose, tenant: tenant)
            case let purpose?:
                // The token, unless the statement one day asks for something else too.
                guard let shop = try sealedShop(of: tenant, inLastColumnsOf: row), shop.token.purpose.rawValue == purpose else { continue }
                settings.shop = shop
            }
        }
        settings.keys = [current, previous].compactMap { $0 }
        return settings
    }

    /// The key sealed in a row of `notificationSettings`, with its algorithm from cell
    /// `algorithmAt`; `nil` when the settings name no algorithm for it.
    private func openedKey(in cells: PostgresRandomAccessRow, algorithmAt index: Int, purpose: VaultPurpose, tenant: TenantID) throws
        -> OpenedNotificationKey?
    {
        guard let algorithm = try cells[index].decode(String?.self),
            let record = try SecretVault.sealedRecord(tenant: tenant, purpose: purpose, in: cells, from: cells.count - 5)
        else { return nil }
        let key = NotificationKey(
            secret: try vault.open(record),
            algorithm: try StoredValue.decode(NotificationKey.Algorithm.self, algorithm, column: "tenant_invoicing.notification_key_algorithm")
        )
        return OpenedNotificationKey(key: key, keyID: record.keyID, isPrevious: purpose == Self.previousNotificationKeyPurpose)
    }

    /// Records in the vault's audit trail that a notification key read by `notificationSettings` was used.
    package func recordNotificationKeyUse(of tenant: TenantID, key: OpenedNotificationKey, actor: String) async throws {
        let purpose = key.isPrevious ? Self.previousNotificationKeyPurpose : Self.notificationKeyPurpose
        try await vault.recordRead(tenant: tenant, purpose: purpose, actor: actor, keyID: key.keyID)
    }

    /// Sets or rotates the active shop's notification key. With a grace period, the key it
    /// replaces (with its own algorithm) still verifies notifications until the period ends, so
    /// that notifications the provider signed before the shop changed its cabinet still pass;
    /// a key replaced earlier whose period still runs is then dropped. The secrets and the
    /// settings change in one transaction.
    package func setNotificationKey(_ tenant: TenantID, key: NotificationKey, graceSeconds: Int, actor: String) async throws -> InvoicingState {
        try await translatingDatabaseFailures(into: InvoicingError.databaseFailed) {
            try await client.inTransaction(logger: logger) { connection in
                let locked = try await Self.lockInvoicing(of: tenant, on: connection, logger: logger)
                guard locked.activeMerchantID != nil else { throw InvoicingError.notActive }
                // Only Invoicebox signs its notifications; an account provider's webhooks carry Folio's own secret.
                if let provider = locked.activeProvider, provider != .invoicebox {
                    throw InvoicingError.notSupportedByProvider(operation: "sign notifications with a shop key", provider: provider)
                }
                var rotates = false
                if graceSeconds > 0, let replaced = try await vault.read(tenant: tenant, purpose: Self.notificationKeyPurpose, actor: actor, on: connection) {
                    try await vault.store(replaced, tenant: tenant, purpose: Self.previousNotificationKeyPurpose, actor: actor, on: connection)
                    rotates = true
                } else {
                    _ = try await vault.delete(tenant: tenant, purpose: Self.previousNotificationKeyPurpose, actor: actor, on: connection)
                }
                try await vault.store(key.secret, tenant: tenant, purpose: Self.notificationKeyPurpose, actor: actor, on: connection)
                // The right-hand sides read the row as it was: the replaced key's algorithm.
                try await connection.query(
                    """
                    UPDATE folio.tenant_invoicing SET
                        previous_notification_key_algorithm = CASE WHEN \(rotates)
                            THEN coalesce(notification_key_algorithm, \(NotificationKey.Algorithm.standard.rawValue)) END,
                        previous_notification_key_valid_until = CASE WHEN \(rotates) THEN now() + make_interval(secs => \(Double(graceSeconds))) END,
                        has_notification_key = true, notification_key_algorithm = \(key.algorithm.rawValue), updated_at = now()
                    WHERE tenant_id = \(tenant.rawValue)
                    """,
                    logger: logger
                )
            }
            logger.info(
                "notification key set",
                metadata: ["tenant.id": "\(tenant)", "notification_key.algorithm": "\(key.algorithm.rawValue)", "grace_seconds": "\(graceSeconds)"]
            )
            return try await state(of: tenant)
        }
    }

    /// Destroys every previous notification key whose grace period has ended, with the settings
    /// that name it; returns how many. Nothing verifies with such a key any more, and a key kept
    /// sealed is one more that could leak. A rotation that replaces one meanwhile holds its
    /// settings row, and the row is judged again once it is free.
    package static func destroyExpiredNotificationKeys(client: PostgresClient, actor: String, logger: Logger) async throws -> Int {
        try await client.inTransaction(logger: logger) { connection in
            try await SecretVault.setActor(actor, on: connection, logger: logger)
            return try await connection.query(
                """
                WITH expired AS (
                    UPDATE folio.tenant_invoicing SET previous_notification_key_algorithm = NULL, previous_notification_key_valid_until = NULL
                    WHERE previous_notification_key_valid_until <= now() RETURNING tenant_id
                )
                DELETE FROM folio.vault_secrets
                WHERE purpose = \(previousNotificationKeyPurpose.rawValue) AND tenant_id IN (SELECT tenant_id FROM expired)
                RETURNING 1
                """,
                logger: logger
            ).count()
        }
    }

    /// Destroys the active shop's notification keys, the current and the previous one: its
    /// notifications are then confirmed by reading the order, as for a shop that never gave one.
    package func removeNotificationKey(_ tenant: TenantID, actor: String) async throws -> InvoicingState {
        try await translatingDatabaseFailures(into: InvoicingError.databaseFailed) {
            try await client.inTransaction(logger: logger) { connection in
                let locked = try await Self.lockInvoicing(of: tenant, on: connection, logger: logger)
                guard locked.activeMerchantID != nil else { throw InvoicingError.notActive }
                // Only Invoicebox signs its notifications; an account provider's webhooks carry Folio's own secret.
                if let provider = locked.activeProvider, provider != .invoicebox {
                    throw InvoicingError.notSupportedByProvider(operation: "sign notifications with a shop key", provider: provider)
                }
                for purpose in [Self.notificationKeyPurpose, Self.previousNotificationKeyPurpose] {
                    _ = try await vault.delete(tenant: tenant, purpose: purpose, actor: actor, on: connection)
                }
                try await connection.query(
                    """
                    UPDATE folio.tenant_invoicing SET has_notification_key = false, notification_key_algorithm = NULL,
                        previous_notification_key_algorithm = NULL, previous_notification_key_valid_until = NULL, updated_at = now()
                    WHERE tenant_id = \(tenant.rawValue)
                    """,
                    logger: logger
                )
            }
            logger.info("notification key removed", metadata: ["tenant.id": "\(tenant)"])
            return try await state(of: tenant)
        }
    }
}
