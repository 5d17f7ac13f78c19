import Crypto
import FolioDomain
import Foundation
import PaymentsPort

/// An OrderNotification as Invoicebox posts it (invoicebox-api.md §14.3): the order's state,
/// unwrapped, read leniently.
package struct OrderNotification: Sendable, Equatable {
    /// The provider's order id.
    package var orderID: String
    package var status: ProviderOrderStatus
    package var merchantID: String
    /// Folio's invoice id; empty in the monitoring test.
    package var merchantOrderID: String
    package var amount: MinorUnits?
    package var currency: String?

    /// The order id of the monitoring test notification (§14.9), and the legacy v2 spelling.
    package static let monitoringTestOrderIDs: Set<String> = ["ffffffff-ffff-ffff-ffff-ffffffffffff", "00000-00000-00000-00000"]

    /// Whether this is the provider's monitoring test, which must change no order.
    package var isMonitoringTest: Bool {
        merchantOrderID.isEmpty && Self.monitoringTestOrderIDs.contains(orderID.lowercased())
    }

    /// Reads the raw body; `nil` when it is not a JSON object with the required members.
    package init?(body: Data) {
        guard let members = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return nil }
        let object = WireObject(members: members, status: 200, requestID: nil)
        guard let orderID = object.optionalString("id"), !orderID.isEmpty, orderID.count <= 100,
            let status = object.optionalString("status"), status.count <= 50,
            let merchantID = object.optionalString("merchantId"), merchantID.count <= 100
        else { return nil }
        self.orderID = orderID
        self.status = ProviderOrderStatus(invoicebox: status)
        self.merchantID = merchantID
        let merchantOrderID = object.optionalString("merchantOrderId") ?? ""
        // An amount that is there but not money is a malformed notification, not a missing one.
        guard merchantOrderID.count <= 100 else { return nil }
        let amount: MinorUnits?
        do {
            amount = try object.optionalMoney("amount")
        } catch {
            return nil
        }
        self.merchantOrderID = merchantOrderID
        self.amount = amount
        self.currency = object.optionalString("currencyId")
    }
}

extension OrderNotification {
    /// The notification's claim in neutral terms.
    var claim: ProviderNotification {
        ProviderNotification(
            orderID: orderID, status: status, merchantID: merchantID, merchantOrderID: merchantOrderID,
            amount: amount, currency: currency, isMonitoringTest: isMonitoringTest
        )
    }
}

/// The `X-Signature` of a notification: lowercase hex HMAC of the exact body bytes with the
/// shop's notification key, HMAC-SHA1 unless the shop chose another hash in its cabinet
/// (invoicebox-api.md §14.7).
package enum NotificationSignature {
    package static func sign(_ body: Data, key: Secret, algorithm: NotificationKey.Algorithm = .standard) -> String {
        let symmetricKey = SymmetricKey(data: Data(key.revealed.utf8))
        let code: [UInt8] =
            switch algorithm {
            case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: body, using: symmetricKey))
            case .sha256: Array(HMAC<SHA256>.authenticationCode(for: body, using: symmetricKey))
            case .sha512: Array(HMAC<SHA512>.authenticationCode(for: body, using: symmetricKey))
            }
        return code.lowercaseHex
    }

    /// Compares in time independent of where the strings differ; upper-case hex is accepted. A
    /// header of another algorithm's length never matches.
    package static func isValid(_ header: String?, body: Data, key: Secret, algorithm: NotificationKey.Algorithm = .standard) -> Bool {
        let expected = sign(body, key: key, algorithm: algorithm)
        guard let header, header.utf8.count == expected.utf8.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected.utf8, header.lowercased().utf8) { difference |= a ^ b }
        return difference == 0
    }
}
