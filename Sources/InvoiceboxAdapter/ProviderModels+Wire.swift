import FolioDomain
import Foundation
import Logging
import Metrics
import PaymentsPort

extension ProviderOrder {
    /// An OrderResponse, reduced to what Folio uses.
    init(_ object: WireObject) throws(InvoiceboxError) {
        self.init(
            id: try object.string("id"),
            merchantID: object.optionalString("merchantId"),
            merchantOrderID: try object.string("merchantOrderId"),
            status: ProviderOrderStatus(invoicebox: try object.string("status")).counted(),
            amount: try object.money("amount"),
            vatAmount: try object.optionalMoney("vatAmount"),
            currency: try object.string("currencyId"),
            createdAt: try object.date("createdAt"),
            paidAt: try object.optionalDate("paidAt"),
            expirationDate: try object.optionalDate("expirationDate"),
            paymentURL: object.optionalString("paymentUrl"),
            orderContainerID: object.optionalString("orderContainerId")
        )
    }
}

extension ProviderOrderStatus {
    /// Invoicebox's order statuses: `cancelled` is the spelling of the non-processing status
    /// change (invoicebox-api.md §10.1, §19 #19) and means `canceled`. Any other unknown status
    /// stays unrecognized, which no status update applies.
    init(invoicebox status: String) {
        self = status == "cancelled" ? .canceled : ProviderOrderStatus(rawValue: status)
    }

    /// Counts an unrecognized status read from the provider's own answer, so that it is noticed.
    /// Not for notifications: anyone can post one, and each new spelling would be a new series.
    func counted() -> ProviderOrderStatus {
        if case .unrecognized(let raw) = self {
            Counter(label: "folio_provider_unknown_status_total", dimensions: [("status", Self.metricLabel(raw))]).increment()
        }
        return self
    }

    /// The raw status as a label: the provider's string(50) is cut short and anything but
    /// lowercase letters, digits, `_` and `-` is dropped, so that a label stays short and plain.
    static func metricLabel(_ raw: String) -> String {
        let kept = raw.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
        let label = String(String.UnicodeScalarView(kept.prefix(32)))
        return label.isEmpty ? "other" : label
    }
}

/// The orders of a page, and the rows that could not be read as orders: one unreadable row is
/// skipped rather than failing the page, since every other row is still good news.
struct OrderRows {
    /// What identifies a row that was skipped, as far as it could be read.
    struct Skipped {
        var orderID: String?
        var merchantID: String?
        var merchantOrderID: String?
        var error: InvoiceboxError
    }

    var orders: [ProviderOrder] = []
    var skipped: [Skipped] = []

    init(_ rows: [WireObject], operation: String, logger: Logger) {
        for row in rows {
            do throws(InvoiceboxError) {
                orders.append(try ProviderOrder(row))
            } catch {
                let orderID = row.optionalString("id").map(Self.loggable)
                skipped.append(
                    Skipped(
                        orderID: orderID, merchantID: row.optionalString("merchantId"), merchantOrderID: row.optionalString("merchantOrderId"), error: error))
                Counter(label: "folio_provider_rows_skipped_total", dimensions: [("operation", operation)]).increment()
                var metadata: Logger.Metadata = ["operation": "\(operation)", "provider.order_id": "\(orderID ?? "-")", "reason": "\(Self.reason(error))"]
                if let requestID = row.requestID { metadata["provider.request_id"] = "\(requestID)" }
                logger.warning("skipped an order row the provider sent that cannot be read", metadata: metadata)
            }
        }
    }

    /// What was wrong with the row: the reader's reasons name a member, never its value.
    static func reason(_ error: InvoiceboxError) -> String {
        if case .malformedResponse(let reason, _, _) = error { return reason }
        return "unreadable"
    }

    /// An id as the log may show it: ids are UUIDs, so anything else is cut and kept plain.
    static func loggable(_ id: String) -> String {
        String(
            String.UnicodeScalarView(
                id.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }.prefix(64)))
    }
}

extension ProviderRefund {
    /// A RefundOrderResponse.
    init(_ object: WireObject) throws(InvoiceboxError) {
        self.init(
            id: try object.string("id"),
            parentID: try object.string("parentId"),
            merchantOrderID: try object.string("merchantOrderId"),
            merchantID: object.optionalString("merchantId"),
            status: ProviderRefundStatus(invoicebox: try object.string("status")),
            amount: try object.money("amount"),
            vatAmount: try object.money("vatAmount"),
            currency: object.optionalString("currencyId"),
            createdAt: try object.date("createdAt")
        )
    }
}

extension ProviderRefundStatus {
    /// Invoicebox's refund statuses: a `draft` is accepted like a `created` one, and both
    /// spellings of canceled are seen.
    init(invoicebox status: String) {
        switch status {
        case "draft", "created": self = .created
        case "completed": self = .completed
        case "canceled", "cancelled": self = .canceled
        default: self = .unrecognized(status)
        }
    }
}

extension RefundableItem {
    init(_ object: WireObject) throws(InvoiceboxError) {
        self.init(
            sku: try object.string("sku"),
            name: try object.string("name"),
            vatCode: try object.string("vatCode"),
            totalAmount: try object.money("totalAmount"),
            // Assuming the whole line when the figure is missing would overstate what can be refunded.
            availableAmount: try object.money("availableAmount"),
            availableVATAmount: try object.optionalMoney("availableVatAmount")
        )
    }
}
