import FolioDomain
import Foundation
import PaymentsPort

/// A webhook delivery as the provider POSTs it (fakturownia-api.md §9):
/// `{id, deal{…}, app_name, api_token, locale}`. It carries no signature, no event kind and no
/// account, only the secret set on the webhook: check it with `isAuthentic(expecting:)`, take the
/// tenant and the kind from the URL registered, and treat the content as a hint to re-read the
/// invoice by id.
package struct FakturowniaWebhookDelivery: Sendable, Equatable {
    package let invoiceID: Int64
    /// The secret the provider echoes, as sent.
    package let secret: Secret
    package let status: String?
    package let paid: Bool?
    package let kind: String?
    package let invoiceNumber: String?
    /// `deal.price`, gross (`"12.3"`), in minor units.
    package let totalGross: MinorUnits?
    package let currency: String?
    package let appName: String?
    package let locale: String?

    package enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case notJSONObject
        case missingInvoiceID
        case missingSecret
        case invalidAmount

        package var description: String {
            switch self {
            case .notJSONObject: "the webhook body is not a JSON object"
            case .missingInvoiceID: "the webhook body has no invoice id"
            case .missingSecret: "the webhook body has no api_token"
            case .invalidAmount: "the webhook's deal.price is not an amount"
            }
        }
    }

    package init(body: Data) throws(ParseError) {
        guard let members = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { throw .notJSONObject }
        let object = FakturowniaObject(members: members, status: 200)
        let deal = object.object("deal")
        let id = object.optionalString("id").flatMap { Int64($0) } ?? deal?.object("external_ids")?.optionalString("fakturownia").flatMap { Int64($0) }
        guard let id else { throw .missingInvoiceID }
        guard let secret = object.optionalString("api_token"), !secret.isEmpty else { throw .missingSecret }
        self.invoiceID = id
        self.secret = Secret(secret)
        self.status = deal?.optionalString("status")
        self.paid = deal?.optionalBool("paid")
        self.kind = deal?.optionalString("kind")
        self.invoiceNumber = deal?.optionalString("invoice_no")
        do {
            self.totalGross = try deal?.optionalMoney("price")
        } catch {
            throw .invalidAmount
        }
        self.currency = deal?.optionalString("currency")
        self.appName = object.optionalString("app_name")
        self.locale = object.optionalString("locale")
    }

    /// Compares the echoed secret with the one registered in constant time: both are hashed,
    /// so neither their contents nor their lengths show in the time taken.
    package func isAuthentic(expecting expected: Secret) -> Bool {
        AccountChange.constantTimeEqual(secret, expected)
    }
}
