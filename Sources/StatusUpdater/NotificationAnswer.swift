/// Folio's answer to a provider notification (invoicebox-api.md §14.5): success, or an error
/// with one of the provider's codes. Always sent with HTTP 200.
package struct NotificationAnswer: Sendable, Equatable {
    /// The provider's NotificationErrorCode values Folio uses (§14.6).
    package enum Code: String, Sendable {
        /// The only code the provider retries: a temporary failure on Folio's side.
        case outOfService = "out_of_service"
        case wrongAmount = "order_wrong_amount"
        case alreadyPaid = "order_already_paid"
        case notFound = "order_not_found"
        case signature = "signature_error"
        case wrongStatus = "order_wrong_status"
    }

    /// `nil` for success.
    package var code: Code?
    package var message: String?

    package static let success = NotificationAnswer(code: nil, message: nil)

    package static func error(_ code: Code, _ message: String) -> NotificationAnswer {
        NotificationAnswer(code: code, message: String(message.prefix(500)))
    }

    /// What the notifications table records: `success` or the code.
    var verdict: String { code?.rawValue ?? "success" }
}
