import Crypto
import Foundation
import JSONWire
import Logging
import PaymentsPort
import PostgresNIO

/// A row of the tenant's `notifications` table: what arrived and what Folio made of it.
///
/// The body and headers are kept whole only once the body passed the signature (when the tenant
/// has a notification key) and the shop check: anyone may post to the endpoint, and what fails
/// those checks is kept as a bounded record (size, digest, verdict, source address) so that it
/// cannot fill the database.
struct NotificationRecord: Sendable {
    enum SignatureCheck: String, Sendable {
        case valid, invalid, missing
        /// The tenant has no notification key, so nothing could be checked.
        case unchecked

        init(_ check: NotificationSignatureCheck) {
            switch check {
            case .valid: self = .valid
            case .invalid: self = .invalid
            case .missing: self = .missing
            }
        }
    }

    let body: Data
    let bodyDigest: Data
    /// As JSON: `[{"name": …, "value": …}]`, in the order received.
    let headers: String
    /// The peer's IP address as the server saw it (a proxy's, behind one).
    let sourceAddress: String?
    var signature = SignatureCheck.unchecked
    var providerOrderID: String?
    var claimedStatus: String?
    var invoiceID: UUID?
    var confirmed: Bool?
    var replayOf: UUID?
    /// Whether the body and headers are stored, not only their size and digest.
    var keepsContent = false

    init(body: Data, headers: [(name: String, value: String)], sourceAddress: String?) {
        self.body = body
        self.bodyDigest = Data(SHA256.hash(data: body))
        self.sourceAddress = sourceAddress
        // Written directly: through JSONSerialization, bridging each header to a dictionary cost
        // about 2% of a notification's CPU.
        let list = WireJSON.array(headers.map { .object([("name", .string($0.name)), ("value", .string($0.value))]) })
        self.headers = String(decoding: list.serialized(), as: UTF8.self)
    }

    func insert(verdict answer: NotificationAnswer, named outcome: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(try statement(verdict: answer, named: outcome), logger: logger)
    }

    /// The insert as a common table expression, for `InvoiceBook.apply(…alongside:)`: the
    /// notification is recorded by the statement of the change it reported.
    func insertion(verdict answer: NotificationAnswer, named outcome: String) throws -> PostgresQuery {
        let insert = try statement(verdict: answer, named: outcome)
        return PostgresQuery(unsafeSQL: "recorded AS (" + insert.sql + ")", binds: insert.binds)
    }

    private func statement(verdict answer: NotificationAnswer, named outcome: String) throws -> PostgresQuery {
        let storedBody = keepsContent ? body : nil
        let storedHeaders = keepsContent ? headers : nil
        return try """
        INSERT INTO notifications (id, body, body_sha256, body_size, headers, source_address, signature, provider_order_id,
                                   claimed_status, invoice_id, verdict, message, confirmed, replay_of)
        VALUES (\(UUID()), \(storedBody), \(bodyDigest), \(body.count), \(storedHeaders)::jsonb, \(sourceAddress.map { String($0.prefix(64)) }),
                \(signature.rawValue), \(providerOrderID.map { String($0.prefix(100)) }), \(claimedStatus.map { String($0.prefix(100)) }),
                \(invoiceID), \(outcome), \(answer.message), \(confirmed), \(replayOf))
        """
    }
}
