import Foundation
import PaymentsPort

/// Folio's answer to an Invoicebox notification (invoicebox-api.md §14.5): `{"status":"success"}`
/// or an error with one of the provider's NotificationErrorCode values (§14.6).
extension InvoiceboxGateway {
    package func notificationOutcome(_ verdict: NotificationVerdict) -> String {
        switch verdict {
        case .accepted: "success"
        // The only code the provider retries.
        case .retryLater: "out_of_service"
        case .badSignature: "signature_error"
        case .unknownOrder: "order_not_found"
        case .wrongAmount: "order_wrong_amount"
        case .wrongStatus: "order_wrong_status"
        case .alreadyPaid: "order_already_paid"
        }
    }

    /// `{"status":"success"}` or `{"code":…,"message":…,"status":"error"}`, keys sorted as the API writes them.
    package func notificationReply(_ verdict: NotificationVerdict, message: String?) -> NotificationReply {
        let wire: NotificationAnswerWire =
            verdict == .accepted
            ? NotificationAnswerWire(status: "success", code: nil, message: message)
            : NotificationAnswerWire(status: "error", code: notificationOutcome(verdict), message: message)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(wire)) ?? Data(#"{"status":"error","code":"out_of_service"}"#.utf8)
        return NotificationReply(contentType: "application/json; charset=utf-8", body: body)
    }
}

private struct NotificationAnswerWire: Encodable {
    let status: String
    let code: String?
    let message: String?
}
