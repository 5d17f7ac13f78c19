import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PaymentsPort
import StatusUpdater

/// The provider's notifications, on a route of their own beside the bearer API: no key, no
/// `Accept` check and no problem documents, because every outcome, even a body too large to
/// read, must be an HTTP 200 answer in the provider's format (anything else counts as a failed
/// delivery at the provider). The handler sees the raw body, the headers and the peer address.
///
/// `openapi/openapi.yaml` documents the route; the generated code does not serve it.
struct ProviderNotificationRoute: Sendable {
    static let path: RouterPath = "/v1/providers/invoicebox/notifications/{tenantId}"

    let notifications: NotificationReceiver

    func register(on router: some RouterMethods<FolioRequestContext>) {
        router.post(Self.path) { request, context in
            await receive(request, context: context)
        }
    }

    /// The rate limits are applied before the body is read, and at most
    /// `NotificationReceiver.maximumBodySize` bytes of it are read.
    func receive(_ request: Request, context: FolioRequestContext) async -> Response {
        let tenantID = context.parameters.get("tenantId") ?? ""
        let source = context.remoteAddress?.ipAddress
        var request = request
        let answer: NotificationAnswer
        if let refusal = notifications.admit(tenantID: tenantID, source: source) {
            answer = refusal
        } else if let body = try? await request.collectBody(upTo: NotificationReceiver.maximumBodySize) {
            let headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
            answer = await notifications.receive(tenantID: tenantID, body: Data(body.readableBytesView), headers: headers, source: source)
        } else {
            answer = notifications.refuseUnreadableBody(source: source)
        }
        let reply = notifications.reply(to: answer)
        return Response(
            status: .ok,
            headers: [.contentType: reply.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: reply.body))
        )
    }
}
