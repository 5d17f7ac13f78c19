import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The page a payment link opens: the order's amount and a "Pay" button, standing in for the
/// provider's card form. Paying here is the admin API's `pay` (or `hold`, for a guarantee that
/// blocks the money), so the shop is notified the same way.
enum SandboxPaymentPage {
    static func register(on router: Router<BasicRequestContext>, state: SandboxState) {
        router.get("/__sandbox/pay/order/:container") { _, context -> Response in
            let container = try context.parameters.require("container")
            guard let order = await state.paymentPage(containerID: container) else { return html(notFound, status: .notFound) }
            let amount = String(format: "%.2f", Double(order.amountMinor) / 100)
            switch order.status {
            case "created":
                return html(
                    page(
                        title: "Pay \(amount) \(order.currency)",
                        body: """
                            <p>Order <code>\(escape(order.shownNumber))</code>: <strong>\(amount) \(escape(order.currency))</strong></p>
                            <form method="post"><button type="submit">Pay</button></form>
                            <form method="post" action="/__sandbox/pay/order/\(escape(container))/hold"><button type="submit">Pay with a hold</button></form>
                            <p><small>A hold blocks the money on the card: the shop captures it when it reports the stay rendered, or releases it.</small></p>
                            """))
            case "hold":
                return html(page(title: "Funds held", body: "<p>The money is blocked on your card until the stay. You may close this page.</p>"))
            case "completed":
                return html(page(title: "Paid", body: "<p>Paid. You may close this page.</p>"))
            default:
                return html(page(title: "Not payable", body: "<p>This order is \(escape(order.status)) and cannot be paid.</p>"))
            }
        }
        router.post("/__sandbox/pay/order/:container") { _, context -> Response in
            let container = try context.parameters.require("container")
            guard let order = await state.paymentPage(containerID: container) else { return html(notFound, status: .notFound) }
            do {
                try await state.pay(orderID: order.orderID)
            } catch {
                // Read again: the order may have been paid or have expired since the page was shown.
                let status = await state.paymentPage(containerID: container)?.status ?? order.status
                return html(page(title: "Not payable", body: "<p>This order is \(escape(status)) and cannot be paid.</p>"), status: .conflict)
            }
            return html(page(title: "Paid", body: "<p>Paid. You may close this page.</p>"))
        }
        router.post("/__sandbox/pay/order/:container/hold") { _, context -> Response in
            let container = try context.parameters.require("container")
            guard let order = await state.paymentPage(containerID: container) else { return html(notFound, status: .notFound) }
            do {
                try await state.hold(orderID: order.orderID)
            } catch {
                let status = await state.paymentPage(containerID: container)?.status ?? order.status
                return html(page(title: "Not payable", body: "<p>This order is \(escape(status)) and cannot be paid.</p>"), status: .conflict)
            }
            return html(page(title: "Funds held", body: "<p>The money is blocked on your card until the stay. You may close this page.</p>"))
        }
    }

    static let notFound = page(title: "Unknown order", body: "<p>No such order.</p>")

    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · Invoicebox sandbox</title>
        <style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
        button{font:inherit;padding:.6rem 2rem;border-radius:.4rem;border:0;background:#1d6f42;color:#fff;cursor:pointer}</style>
        </head><body><p><small>Invoicebox sandbox: no real money moves.</small></p><h1>\(escape(title))</h1>\(body)</body></html>
        """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
