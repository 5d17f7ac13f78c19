import FolioDomain
import HTTPTypes

/// The operations a session token may call, by component: exactly those the component needs.
/// The spec marks the same operations with `x-folio-session-components`, and a test holds the two
/// together.
package enum SessionScope {
    /// The components that allow `method` on `path`; empty when no session may call it.
    package static func components(allowing method: HTTPRequest.Method, path: String) -> Set<SessionComponent> {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        // Every operation a session reaches is under /v1/tenants/{tenantId}/.
        guard segments.count >= 4, segments[0] == "v1", segments[1] == "tenants" else { return [] }
        let rest = Array(segments.dropFirst(3))
        // Hummingbird answers HEAD with the GET route, so it is allowed exactly where GET is.
        let method = method == .head ? .get : method
        switch (method, rest.count) {
        case (.get, 1) where rest[0] == "invoicing", (.delete, 1) where rest[0] == "invoicing":
            return [.enableInvoicing]
        case (.post, 2) where rest[0] == "invoicing" && (rest[1] == "invite" || rest[1] == "activate" || rest[1] == "account"),
            (.put, 2) where rest[0] == "invoicing" && (rest[1] == "credentials" || rest[1] == "notification-key" || rest[1] == "account"),
            (.delete, 2) where rest[0] == "invoicing" && rest[1] == "notification-key":
            return [.enableInvoicing]
        case (.get, 1) where rest[0] == "invoices":
            return [.invoiceList]
        case (.get, 1) where rest[0] == "events":
            return [.invoiceList, .invoice]
        case (.get, 2) where rest[0] == "invoices":
            return [.invoice]
        case (.post, 3) where rest[0] == "invoices" && rest[2] == "cancel":
            return [.invoice]
        case (.get, 3) where rest[0] == "invoices" && (rest[2] == "qr.svg" || rest[2] == "qr.png"):
            return [.invoiceList, .invoice]
        default:
            return []
        }
    }
}
