import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxAdapter
import InvoiceboxSandbox
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import TenantRegistry
import Testing

/// An open invoice and what a notification about it needs.
struct OpenInvoice {
    let tenant: String
    let merchantID: String
    let invoiceID: String
    let orderID: String
}

extension TestAPI {
    /// A tenant connected with its shop's notification key (as a directly connected shop is),
    /// so that its notifications are signed. Returns the tenant, the shop and the key.
    func signedTenant(_ externalID: String) async throws -> (tenant: String, merchantID: String, key: String) {
        let tenant = try await createTenant(externalID)
        let shop = await sandbox.state.addMerchant()
        let connected = try await send(
            .put, "/v1/tenants/\(tenant)/invoicing/credentials",
            json: #"{"merchantId":"\#(shop.id)","token":"\#(shop.token)","notificationKey":"\#(shop.notificationKey)"}"#
        )
        guard connected.status == .ok else { throw UnexpectedResponse(status: connected.status, body: String(buffer: connected.body)) }
        return (tenant, shop.id, shop.notificationKey)
    }

    /// Creates an open invoice for the tenant.
    func openInvoice(_ tenant: String, merchantID: String, reservationID: String = "SZ-77120") async throws -> OpenInvoice {
        let created = try await createInvoice(tenant, body: TestAPI.invoiceBody(reservationID: reservationID))
        let json = try created.json()
        guard created.status == .created, let id = json["id"] as? String, let orderID = json["providerOrderId"] as? String else {
            throw UnexpectedResponse(status: created.status, body: String(buffer: created.body))
        }
        return OpenInvoice(tenant: tenant, merchantID: merchantID, invoiceID: id, orderID: orderID)
    }

    /// The notification the provider would post for the order now, as the sandbox serialises it.
    func notificationBody(_ invoice: OpenInvoice) async throws -> Data {
        try #require(await sandbox.state.notificationBody(orderID: invoice.orderID))
    }

    /// Posts a notification as the provider does and returns the decoded answer.
    @discardableResult
    func notify(_ tenant: String, body: Data, signature: String?) async throws -> [String: Any] {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let signature { headers[HTTPField.Name("X-Signature")!] = signature }
        let response = try await client.execute(
            uri: "/v1/providers/invoicebox/notifications/\(tenant)", method: .post, headers: headers, body: ByteBuffer(data: body)
        )
        guard response.status == .ok, response.headers[.contentType]?.hasPrefix("application/json") == true else {
            throw UnexpectedResponse(status: response.status, body: String(buffer: response.body))
        }
        return try response.json()
    }

    func invoiceStatus(_ invoice: OpenInvoice) async throws -> String? {
        try await send(.get, "/v1/tenants/\(invoice.tenant)/invoices/\(invoice.invoiceID)").json()["status"] as? String
    }

    /// The types of the tenant's events, in sequence.
    func eventTypes(_ tenant: String) async throws -> [String] {
        let page = try await send(.get, "/v1/tenants/\(tenant)/events?limit=100").json()
        return (page["items"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
    }

    /// The verdicts recorded for the tenant's notifications, oldest first.
    func notificationVerdicts(_ tenant: String) async throws -> [String] {
        let rows = try await database.query(
            "SELECT verdict FROM \(unescaped: Self.schema(of: tenant)).notifications ORDER BY received_at, id",
            logger: TestDatabase.logger
        )
        return try await rows.decode(String.self).collect()
    }
}

/// Edits a JSON body's members, for forged and mismatching notifications.
func editedBody(_ body: Data, _ edit: (inout [String: Any]) -> Void) throws -> Data {
    var object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    edit(&object)
    return try JSONSerialization.data(withJSONObject: object)
}

func sign(_ body: Data, key: String) -> String {
    NotificationSignature.sign(body, key: Secret(key))
}
