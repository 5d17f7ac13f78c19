import Foundation

/// What Folio decided about a provider notification, in neutral terms; the provider's adapter
/// names it and writes the answer its provider expects.
package enum NotificationVerdict: Sendable, Equatable, CaseIterable {
    case accepted
    /// A temporary failure on Folio's side: the provider should send the notification again.
    case retryLater
    case badSignature
    case unknownOrder
    case wrongAmount
    case wrongStatus
    case alreadyPaid
}

/// The answer to a notification, as the provider expects it: always sent with HTTP 200.
package struct NotificationReply: Sendable, Equatable {
    package var contentType: String
    package var body: Data

    package init(contentType: String, body: Data) {
        self.contentType = contentType
        self.body = body
    }
}
