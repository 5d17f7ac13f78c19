import Crypto
import FolioDomain
import Foundation

/// Signs webhooks the Standard Webhooks way: `webhook-signature: v1,<base64 HMAC-SHA256>` over
/// `<webhook-id>.<webhook-timestamp>.<body>`.
package struct WebhookSigner: Sendable {
    private let key: Data

    /// A `whsec_`-prefixed secret is base64 (the format Standard Webhooks libraries generate and
    /// verify with); any other secret is used as its UTF-8 bytes.
    package init?(secret: Secret) {
        let value = secret.revealed
        if value.hasPrefix("whsec_") {
            guard let bytes = Data(base64Encoded: String(value.dropFirst("whsec_".count))), !bytes.isEmpty else { return nil }
            key = bytes
        } else {
            guard !value.isEmpty else { return nil }
            key = Data(value.utf8)
        }
    }

    package func signature(id: String, timestamp: Int64, body: Data) -> String {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }
}
