import PaymentsPort

/// Folio's answer to a provider notification: the verdict, and for a refusal why. The provider's
/// adapter names it and writes it in the provider's format.
package struct NotificationAnswer: Sendable, Equatable {
    package var verdict: NotificationVerdict
    package var message: String?

    package static let success = NotificationAnswer(verdict: .accepted, message: nil)

    package static func error(_ verdict: NotificationVerdict, _ message: String) -> NotificationAnswer {
        NotificationAnswer(verdict: verdict, message: String(message.prefix(500)))
    }
}
