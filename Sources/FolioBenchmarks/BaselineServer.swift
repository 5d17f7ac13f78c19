import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import TenantRegistry

/// `folio-bench baseline-server`: plain Hummingbird 2 and postgres-nio, written the way the
/// frameworks' guides show, with none of Folio's code on the request path. It is the yardstick
/// `scripts/bench.sh http` measures Folio's health and list routes against.
struct BaselineServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline-server",
        abstract: "A bare Hummingbird server: GET /health, and GET /tenants/{tenantId}/invoices (one SELECT of the 20 newest invoices).",
        discussion: """
            The list reads every column Folio's invoice answer carries and answers Folio's JSON shape \
            ({"items":[…],"nextCursor":…}) through Codable structs and JSONEncoder. --request lines reads the \
            priced lines from their columns (line_skus … line_vat_codes); --request priced reads the stored \
            request instead, decodes only its lines (JSONDecoder) and prices them; both answer Folio's fields. \
            --request text passes the stored request through as a string in place of the lines.
            """
    )

    enum StoredRequestHandling: String, ExpressibleByArgument, CaseIterable, Sendable {
        case lines, priced, text
    }

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8081

    @Option(help: "The database, as FOLIO_DATABASE_URL spells it (the default): the pool is sized as Folio sizes it.")
    var databaseURL: String?

    @Option(
        help: "Where the list's lines come from: lines (their columns), priced (the stored request, decoded and priced) or text (the request passed through).")
    var request = StoredRequestHandling.lines

    func run() async throws {
        var logger = Logger(label: "folio.baseline")
        logger.logLevel = .warning
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["FOLIO_DATABASE_URL"] else {
            throw ValidationError("pass --database-url or set FOLIO_DATABASE_URL")
        }
        // Folio's own parsing of the URL, so that this one pool has as many connections in all as
        // Folio's shared pool and its tenants' own, with the same settings.
        let client = PostgresClient(configuration: try DatabaseURL(url).singlePoolConfiguration, backgroundLogger: logger)
        let invoices = BaselineInvoices(client: client, handling: request, logger: logger)

        let router = Router()
        router.get("health") { _, _ in BaselineHealth(status: "ok") }
        router.get("tenants/:tenantId/invoices") { _, context in
            guard let tenant = context.parameters.get("tenantId").flatMap(UUID.init(uuidString:)) else {
                throw HTTPError(.notFound)
            }
            return try await invoices.newest(of: tenant)
        }
        let application = Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
        print("baseline server listening on http://\(host):\(port) (stored request: \(request.rawValue))")
        try await withThrowingTaskGroup(of: Void.self) { group in
            client.run(in: &group)
            // Returns on SIGTERM or SIGINT, after the requests in flight are answered.
            try await application.runService()
            group.cancelAll()
        }
    }
}

struct BaselineHealth: ResponseEncodable {
    var status: String
}

/// The list's one statement and the answer built from its rows.
struct BaselineInvoices: Sendable {
    let client: PostgresClient
    let handling: BaselineServer.StoredRequestHandling
    let logger: Logger

    static let pageSize = 20

    func newest(of tenant: UUID) async throws -> BaselinePage {
        let schema = "t_" + tenant.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let lineColumns =
            handling == .lines
            ? "line_skus, line_names, line_quantities, line_unit_prices, line_amounts, line_vat_amounts, line_vat_codes" : "request"
        let rows = try await client.query(
            """
            SELECT id, reservation_id, status, description, currency, amount_minor, vat_amount_minor, refunded_minor,
                   provider_order_id, payment_url, expires_at, paid_at, canceled_at, failure_code, created_at, updated_at,
                   (extract(epoch FROM created_at) * 1000000)::bigint,
                   -- A paid proforma's tax invoice stands in for its document, as in Folio's answer.
                   CASE WHEN tax_invoice_id IS NULL THEN document_number ELSE tax_invoice_number END,
                   CASE WHEN tax_invoice_id IS NULL THEN view_url ELSE tax_invoice_view_url END,
                   CASE WHEN tax_invoice_id IS NULL THEN pdf_url ELSE tax_invoice_pdf_url END, origin, \(unescaped: lineColumns)
            FROM \(unescaped: schema).invoices
            ORDER BY created_at DESC, id DESC
            LIMIT \(Self.pageSize + 1)
            """,
            logger: logger
        )
        var invoices: [BaselineInvoice] = []
        switch handling {
        case .lines:
            for try await row in rows.decode(
                (
                    UUID, String, String, String, String, Int64, Int64, Int64, String?, String?, Date?, Date?, Date?, String?,
                    Date, Date, Int64, String?, String?, String?, String, [String], [String], [Int64], [Int64], [Int64], [Int64], [String]
                ).self
            ) {
                let lines = row.21.indices.map { index in
                    BaselineLine(
                        sku: row.21[index], name: row.22[index], quantity: row.23[index], unitPrice: row.24[index], amount: row.25[index],
                        vatAmount: row.26[index], vatCode: row.27[index]
                    )
                }
                invoices.append(
                    BaselineInvoice(
                        id: row.0, reservationId: row.1, status: row.2, description: row.3, currency: row.4, amount: row.5,
                        vatAmount: row.6, refundedAmount: row.7, items: lines, request: nil, paymentUrl: row.9,
                        providerOrderId: row.8, expiresAt: row.10, paidAt: row.11, canceledAt: row.12, failureCode: row.13,
                        createdAt: row.14, updatedAt: row.15, createdMicros: row.16,
                        document: BaselineDocument(number: row.17, viewUrl: row.18 ?? row.9, pdfUrl: row.19), origin: row.20
                    ))
            }
        case .priced:
            for try await row in rows.decode(
                (
                    UUID, String, String, String, String, Int64, Int64, Int64, String?, String?, Date?, Date?, Date?, String?,
                    Date, Date, Int64, String?, String?, String?, String, StoredLines
                ).self
            ) {
                invoices.append(
                    BaselineInvoice(
                        id: row.0, reservationId: row.1, status: row.2, description: row.3, currency: row.4, amount: row.5,
                        vatAmount: row.6, refundedAmount: row.7,
                        items: row.21.items.enumerated().map { BaselineLine(position: $0.offset, item: $0.element) },
                        request: nil, paymentUrl: row.9, providerOrderId: row.8, expiresAt: row.10, paidAt: row.11,
                        canceledAt: row.12, failureCode: row.13, createdAt: row.14, updatedAt: row.15, createdMicros: row.16,
                        document: BaselineDocument(number: row.17, viewUrl: row.18 ?? row.9, pdfUrl: row.19), origin: row.20
                    ))
            }
        case .text:
            for try await row in rows.decode(
                (
                    UUID, String, String, String, String, Int64, Int64, Int64, String?, String?, Date?, Date?, Date?, String?,
                    Date, Date, Int64, String?, String?, String?, String, String
                ).self
            ) {
                invoices.append(
                    BaselineInvoice(
                        id: row.0, reservationId: row.1, status: row.2, description: row.3, currency: row.4, amount: row.5,
                        vatAmount: row.6, refundedAmount: row.7, items: nil, request: row.21, paymentUrl: row.9,
                        providerOrderId: row.8, expiresAt: row.10, paidAt: row.11, canceledAt: row.12, failureCode: row.13,
                        createdAt: row.14, updatedAt: row.15, createdMicros: row.16,
                        document: BaselineDocument(number: row.17, viewUrl: row.18 ?? row.9, pdfUrl: row.19), origin: row.20
                    ))
            }
        }
        // The row past the page only says that another page follows.
        var cursor: String?
        if invoices.count > Self.pageSize {
            invoices.removeLast()
            cursor = Self.cursor(after: invoices[invoices.count - 1])
        }
        return BaselinePage(items: invoices, nextCursor: cursor)
    }

    /// Folio's cursor: base64url of `<created_at in microseconds>/<id>`.
    static func cursor(after invoice: BaselineInvoice) -> String {
        Data("\(invoice.createdMicros)/\(invoice.id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

struct BaselinePage: ResponseEncodable {
    var items: [BaselineInvoice]
    var nextCursor: String?
}

/// Folio's `Invoice` schema, field for field.
struct BaselineInvoice: Encodable {
    var id: UUID
    var reservationId: String
    var status: String
    var description: String
    var currency: String
    var amount: Int64
    var vatAmount: Int64
    var refundedAmount: Int64
    var items: [BaselineLine]?
    /// Only with `--request text`, in place of `items`.
    var request: String?
    var paymentUrl: String?
    var providerOrderId: String?
    var expiresAt: Date?
    var paidAt: Date?
    var canceledAt: Date?
    var failureCode: String?
    var createdAt: Date
    var updatedAt: Date
    var createdMicros: Int64
    var document: BaselineDocument
    var origin: String

    enum CodingKeys: String, CodingKey {
        case id, reservationId, status
        case summary = "description"
        case currency, amount, vatAmount, refundedAmount, items, request, paymentUrl
        case providerOrderId, expiresAt, paidAt, canceledAt, failureCode, createdAt, updatedAt, document, origin
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        // Folio spells ids in lowercase; Foundation's UUID encodes in uppercase.
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(reservationId, forKey: .reservationId)
        try container.encode(status, forKey: .status)
        try container.encode(description, forKey: .summary)
        try container.encode(currency, forKey: .currency)
        try container.encode(amount, forKey: .amount)
        try container.encode(vatAmount, forKey: .vatAmount)
        try container.encode(refundedAmount, forKey: .refundedAmount)
        try container.encodeIfPresent(items, forKey: .items)
        try container.encodeIfPresent(request, forKey: .request)
        try container.encodeIfPresent(paymentUrl, forKey: .paymentUrl)
        try container.encodeIfPresent(providerOrderId, forKey: .providerOrderId)
        try container.encodeIfPresent(expiresAt, forKey: .expiresAt)
        try container.encodeIfPresent(paidAt, forKey: .paidAt)
        try container.encodeIfPresent(canceledAt, forKey: .canceledAt)
        try container.encodeIfPresent(failureCode, forKey: .failureCode)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        // Folio leaves the document out when it has no link and no number.
        if document.number != nil || document.viewUrl != nil || document.pdfUrl != nil { try container.encode(document, forKey: .document) }
        try container.encode(origin, forKey: .origin)
    }
}

/// Folio's `InvoiceDocument`: the view is the payment page when the provider names none.
struct BaselineDocument: Encodable {
    var number: String?
    var viewUrl: String?
    var pdfUrl: String?
}

/// The lines of the stored request, and nothing else of it (`--request priced`).
struct StoredLines: Decodable, PostgresDecodable {
    struct Item: Decodable {
        var sku: String?
        var name: String
        var quantity: Int64
        var unitPrice: Int64
        var vatCode: String
    }

    var items: [Item]
}

/// A line of Folio's `InvoiceItem` schema: the total and the VAT it contains, half-up.
struct BaselineLine: Encodable {
    var sku: String
    var name: String
    var quantity: Int64
    var unitPrice: Int64
    var amount: Int64
    var vatAmount: Int64
    var vatCode: String

    init(sku: String, name: String, quantity: Int64, unitPrice: Int64, amount: Int64, vatAmount: Int64, vatCode: String) {
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
        self.vatAmount = vatAmount
        self.vatCode = vatCode
    }

    init(position: Int, item: StoredLines.Item) {
        sku = item.sku ?? "ITEM-\(position + 1)"
        name = item.name
        quantity = item.quantity
        unitPrice = item.unitPrice
        vatCode = item.vatCode
        amount = item.quantity * item.unitPrice
        let rate: Int64 =
            switch item.vatCode {
            case "RUS_VAT5": 5
            case "RUS_VAT7": 7
            case "RUS_VAT10": 10
            case "RUS_VAT20": 20
            case "RUS_VAT22": 22
            default: 0
            }
        // Totals are at most 10^15, so these products stay far inside 64 bits.
        vatAmount = rate == 0 ? 0 : (2 * amount * rate + 100 + rate) / (2 * (100 + rate))
    }
}
