import FolioDomain
import Foundation

/// What a provider's notification claims about one order; to be confirmed before it is trusted.
package struct ProviderNotification: Sendable, Equatable {
    /// The provider's order id.
    package var orderID: String
    package var status: ProviderOrderStatus
    package var merchantID: String
    /// Folio's invoice id; empty in a monitoring test.
    package var merchantOrderID: String
    package var amount: MinorUnits?
    package var currency: String?
    /// The provider's monitoring test, which must change no order.
    package var isMonitoringTest: Bool

    package init(
        orderID: String, status: ProviderOrderStatus, merchantID: String, merchantOrderID: String, amount: MinorUnits?, currency: String?,
        isMonitoringTest: Bool
    ) {
        self.orderID = orderID
        self.status = status
        self.merchantID = merchantID
        self.merchantOrderID = merchantOrderID
        self.amount = amount
        self.currency = currency
        self.isMonitoringTest = isMonitoringTest
    }
}

/// The outcome of checking a notification's signature.
package enum NotificationSignatureCheck: Sendable, Equatable {
    case valid
    case invalid
    /// The notification carries no signature at all.
    case missing
}
