import FolioDomain
import FolioTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import InvoiceboxSandbox
import NIOCore
import StatusUpdater
import Testing

/// A paid order the provider later cancels (a guarantee payment reversed): the invoice becomes
/// `reversed`, always on the provider's own read of the order, never on a claim alone.
@Suite struct ReversalTests {
    @Test func aReversalNotifiedWithoutASignatureIsConfirmedAndAnnounced() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("reversed-unsigned")
            let (invoiceID, orderID) = try await api.paidInvoice(tenant)
            let invoice = OpenInvoice(tenant: tenant, merchantID: merchantID, invoiceID: invoiceID, orderID: orderID)
            try await api.sandbox.state.reverse(orderID: orderID)
            let answer = try await api.notify(tenant, body: try await api.notificationBody(invoice), signature: nil)
            #expect(answer["status"] as? String == "success")

            let read = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()
            #expect(read["status"] as? String == "reversed")
            #expect(read["paidAt"] as? String != nil)
            #expect(read["canceledAt"] as? String != nil)
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.paid", "invoice.reversed"])
            let feed = try await api.send(.get, "/v1/tenants/\(tenant)/events?limit=100").json()
            let last = try #require((feed["items"] as? [[String: Any]])?.last)
            #expect((last["data"] as? [String: Any])?["status"] as? String == "reversed")
            #expect(last["invoiceId"] as? String == invoiceID)
            // A replay changes nothing more.
            _ = try await api.notify(tenant, body: try await api.notificationBody(invoice), signature: nil)
            #expect(try await api.eventTypes(tenant).filter { $0 == "invoice.reversed" }.count == 1)
            // Nothing is left to refund.
            let refund = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/refunds", json: "{}")
            #expect(refund.problemCode == "invoice_not_refundable")
        }
    }

    /// Even where signed notifications are trusted without a read, a reversal is read first: a
    /// signed `canceled` for an order the provider still holds as paid changes nothing.
    @Test func aSignedReversalIsStillReadFirst() async throws {
        try await TestAPI.run(confirmation: .unsigned) { api in
            let (tenant, merchantID, key) = try await api.signedTenant("reversed-signed")
            let (invoiceID, orderID) = try await api.paidInvoice(tenant)
            let invoice = OpenInvoice(tenant: tenant, merchantID: merchantID, invoiceID: invoiceID, orderID: orderID)

            let forged = try editedBody(try await api.notificationBody(invoice)) { $0["status"] = "canceled" }
            let refused = try await api.notify(tenant, body: forged, signature: sign(forged, key: key))
            #expect(refused["status"] as? String == "error")
            #expect(refused["code"] as? String == "out_of_service")
            #expect(try await api.invoiceStatus(invoice) == "paid")
            #expect(!(try await api.eventTypes(tenant).contains("invoice.reversed")))

            try await api.sandbox.state.reverse(orderID: orderID)
            let body = try await api.notificationBody(invoice)
            let accepted = try await api.notify(tenant, body: body, signature: sign(body, key: key))
            #expect(accepted["status"] as? String == "success")
            #expect(try await api.invoiceStatus(invoice) == "reversed")
            #expect(try await api.eventTypes(tenant).last == "invoice.reversed")
        }
    }

    @Test func aForgedUnsignedReversalChangesNothing() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("reversal-forged")
            let (invoiceID, orderID) = try await api.paidInvoice(tenant)
            let invoice = OpenInvoice(tenant: tenant, merchantID: merchantID, invoiceID: invoiceID, orderID: orderID)
            let forged = try editedBody(try await api.notificationBody(invoice)) { $0["status"] = "canceled" }
            let answer = try await api.notify(tenant, body: forged, signature: nil)
            #expect(answer["code"] as? String == "out_of_service")
            #expect(try await api.invoiceStatus(invoice) == "paid")
            #expect(await api.sandbox.state.orderStatus(id: orderID) == "completed")
            #expect(try await api.eventTypes(tenant) == ["invoicing.activated", "invoice.created", "invoice.paid"])
        }
    }

    /// The reference does not say whether a reversal is notified; without a notification, a
    /// read of the order (sync) finds it, in either spelling of the status.
    @Test(arguments: [false, true])
    func anUnnotifiedReversalIsFoundByARead(cancelledSpelling: Bool) async throws {
        var sandbox = SandboxConfiguration.fast
        sandbox.notifiesReversals = false
        sandbox.cancelledSpelling = cancelledSpelling
        try await TestAPI.run(sandboxConfiguration: sandbox) { api in
            let (tenant, _) = try await api.activeTenant("reversal-quiet")
            let (invoiceID, orderID) = try await api.paidInvoice(tenant)
            try await api.sandbox.state.reverse(orderID: orderID)
            #expect(await api.sandbox.state.notificationAttempts().filter { $0.orderID == orderID && $0.status == "canceled" }.isEmpty)
            let synced = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/sync").json()
            #expect(synced["status"] as? String == "reversed")
            #expect(try await api.eventTypes(tenant).last == "invoice.reversed")
        }
    }

    /// A refund the provider refuses because the order was reversed meanwhile: the refund fails,
    /// and the read that follows moves the invoice to `reversed`.
    @Test func aRefundRefusedForAReversedOrderRevealsTheReversal() async throws {
        var sandbox = SandboxConfiguration.fast
        sandbox.notifiesReversals = false
        try await TestAPI.run(sandboxConfiguration: sandbox) { api in
            let (tenant, _) = try await api.activeTenant("reversal-refund")
            let (invoiceID, orderID) = try await api.paidInvoice(tenant)
            try await api.sandbox.state.reverse(orderID: orderID)
            let refund = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoiceID)/refunds", json: #"{"amount":1000}"#)
            #expect(refund.problemCode == "invoice_not_refundable")
            let read = try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(invoiceID)").json()
            #expect(read["status"] as? String == "reversed")
            #expect(read["refundedAmount"] as? Int == 0)
        }
    }

    /// A partly refunded invoice is reversed (the rest went back); a fully refunded one stays
    /// refunded, since its refunds already returned everything.
    @Test func refundedInvoicesAndReversals() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("reversal-refunded")
            let (partID, partOrder) = try await api.paidInvoice(tenant)
            let part = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(partID)/refunds", json: #"{"amount":1000}"#)
            #expect(part.status == .created)
            let (fullID, fullOrder) = try await api.paidInvoice(tenant)
            let full = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(fullID)/refunds", json: "{}")
            #expect(full.status == .created)

            for (id, order) in [(partID, partOrder), (fullID, fullOrder)] {
                try await api.sandbox.state.reverse(orderID: order)
                let invoice = OpenInvoice(tenant: tenant, merchantID: merchantID, invoiceID: id, orderID: order)
                let answer = try await api.notify(tenant, body: try await api.notificationBody(invoice), signature: nil)
                #expect(answer["status"] as? String == "success")
            }
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(partID)").json()["status"] as? String == "reversed")
            #expect(try await api.send(.get, "/v1/tenants/\(tenant)/invoices/\(fullID)").json()["status"] as? String == "refunded")
            #expect(try await api.eventTypes(tenant).filter { $0 == "invoice.reversed" }.count == 1)
        }
    }

    /// An open invoice whose order is canceled is still canceled, not reversed.
    @Test func anOpenInvoiceCanceledAtTheProviderIsCanceled() async throws {
        try await TestAPI.run { api in
            let (tenant, merchantID) = try await api.activeTenant("reversal-open")
            let invoice = try await api.openInvoice(tenant, merchantID: merchantID)
            let canceled = try await api.send(.post, "/v1/tenants/\(tenant)/invoices/\(invoice.invoiceID)/cancel")
            #expect(try canceled.json()["status"] as? String == "canceled")
            #expect(!(try await api.eventTypes(tenant).contains("invoice.reversed")))
        }
    }
}
