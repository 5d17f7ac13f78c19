import FolioDomain
import Foundation
import Logging
import PostgresNIO
import TenantRegistry

/// The transactional outbox: events are appended inside the transaction of the change they
/// report, on its connection, so that a change is never committed without its event or the
/// event without the change. `Outbox` delivers them.
package enum EventLog {
    /// Appends an event, numbered next in the tenant's stream.
    ///
    /// - Parameter alongside: common table expressions (`name AS (…)`) that the same statement
    ///   runs, so that a change's bookkeeping costs no round trip of its own. On the registry's
    ///   tables only: a tenant's table here would make the statement cross nodes on Citus
    ///   (docs/scaling.md), and the source scan of `CrossNodeStatementTests` sees each part alone.
    ///   PostgreSQL runs them after the event's insert, with the tenant's event counter locked.
    static func append(
        _ type: HostEventType,
        tenant: TenantID,
        invoiceID: UUID?,
        reservationID: String?,
        data: EventData,
        alongside: PostgresQuery? = nil,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        var statement = ExpressionsAlongside(alongside)
        // The upsert keeps the stream's row locked until commit: the next event of this tenant
        // takes its number only after this one is visible, so numbers appear in order.
        let sql = """
            \(statement.with)next AS (
                INSERT INTO folio.event_streams AS s (tenant_id, last_sequence) VALUES (\(statement.bound(tenant.rawValue)), 1)
                ON CONFLICT (tenant_id) DO UPDATE SET last_sequence = s.last_sequence + 1
                RETURNING last_sequence
            )
            INSERT INTO folio.events (id, tenant_id, sequence, type, invoice_id, reservation_id, ordering_key, data)
            SELECT \(statement.bound(UUID())), \(statement.bound(tenant.rawValue)), next.last_sequence, \(statement.bound(type.rawValue)), \(statement.bound(invoiceID)),
                   \(statement.bound(reservationID)), \(statement.bound(invoiceID ?? tenant.rawValue)), \(statement.bound(data.json))::jsonb
            FROM next
            """
        try await connection.query(statement.query(sql), logger: logger)
    }

    /// The event of `invoice` having reached its current status.
    static func appendChange(
        of invoice: Invoice, refund: Refund? = nil, tenant: TenantID, alongside: PostgresQuery? = nil, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        guard let type = HostEventType.reaching(invoice.status) else {
            if let alongside { try await connection.run(expressions: alongside, logger: logger) }
            return
        }
        try await append(
            type, tenant: tenant, invoiceID: invoice.id, reservationID: invoice.reservationID,
            data: EventData(invoice: invoice, refund: refund), alongside: alongside, on: connection, logger: logger
        )
    }

    /// The tenant's events after `sequence`, oldest first; only `invoice`'s when one is given.
    package static func events(
        of tenant: TenantID, invoice: UUID? = nil, after sequence: Int64, limit: Int, client: PostgresClient, logger: Logger
    ) async throws -> [HostEvent] {
        guard let invoice else {
            return try await decode(
                client.query(
                    """
                    SELECT \(unescaped: HostEvent.columns()) FROM folio.events
                    WHERE tenant_id = \(tenant.rawValue) AND sequence > \(sequence)
                    ORDER BY sequence LIMIT \(limit)
                    """,
                    logger: logger
                ))
        }
        return try await decode(
            client.query(
                """
                SELECT \(unescaped: HostEvent.columns()) FROM folio.events
                WHERE tenant_id = \(tenant.rawValue) AND invoice_id = \(invoice) AND sequence > \(sequence)
                ORDER BY sequence LIMIT \(limit)
                """,
                logger: logger
            ))
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [HostEvent] {
        try await rows.decode(
            (UUID, UUID, Int64, String, UUID?, String?, String, Date, String, Int, Date?, Date?, String?).self
        ).collect().map { row in
            HostEvent(
                id: row.0, tenantID: TenantID(row.1), sequence: row.2, type: row.3, invoiceID: row.4, reservationID: row.5,
                data: row.6, createdAt: row.7, delivery: try StoredValue.decode(HostEvent.Delivery.self, row.8, column: "events.delivery"), attempts: row.9,
                nextAttemptAt: row.10, deliveredAt: row.11, lastError: row.12
            )
        }
    }
}

/// The tenant's events as a feed, for hosts that poll.
package struct EventFeed: Sendable {
    let client: PostgresClient
    let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Up to `limit` events after `sequence`, oldest first; only `invoice`'s when one is given.
    package func events(of tenant: TenantID, invoice: UUID? = nil, after sequence: Int64, limit: Int) async throws -> [HostEvent] {
        try await translatingDatabaseFailures(into: InvoicingError.databaseFailed) {
            try await EventLog.events(of: tenant, invoice: invoice, after: sequence, limit: limit, client: client, logger: logger)
        }
    }
}
