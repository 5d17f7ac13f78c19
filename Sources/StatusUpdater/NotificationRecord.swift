import Crypto
import Foundation
import Logging
import PostgresNIO

/// A row of the tenant's `notifications` table: what arrived and what Folio made of it.
struct NotificationRecord: Sendable {
    enum SignatureCheck: String, Sendable {
        case valid, invalid, missing
        /// The tenant has no notification key, so nothing could be checked.
        case unchecked
    }

    let body: Data
    let bodyDigest: Data
    /// As JSON: `[{"name": …, "value": …}]`, in the order received.
    let headers: String
    var signature = SignatureCheck.unchecked
    var providerOrderID: String?
    var claimedStatus: String?
    var invoiceID: UUID?
    var confirmed: Bool?
    var replayOf: UUID?

    init(body: Data, headers: [(name: String, value: String)]) {
        self.body = body
        self.bodyDigest = Data(SHA256.hash(data: body))
        let list = headers.map { ["name": $0.name, "value": $0.value] }
        self.headers = (try? JSONSerialization.data(withJSONObject: list)).flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
    }

    func insert(verdict answer: NotificationAnswer, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO notifications (id, body, body_sha256, headers, signature, provider_order_id, claimed_status, invoice_id,
                                       verdict, message, confirmed, replay_of)
            VALUES (\(UUID()), \(body), \(bodyDigest), \(headers)::jsonb, \(signature.rawValue),
                    \(providerOrderID.map { String($0.prefix(100)) }), \(claimedStatus), \(invoiceID), \(answer.verdict), \(answer.message),
                    \(confirmed), \(replayOf))
            """,
            logger: logger
        )
    }
}
