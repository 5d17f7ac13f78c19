import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StatusUpdater

/// The deliveries of the webhooks Folio registers on a tenant's account (Fakturownia), on a
/// route of their own beside the bearer API: the provider sends no key, only the secret inside
/// the body, which `AccountChangeReceiver` checks. The answer is a small JSON status; what the
/// provider does with a failed delivery is not documented, and reconciliation catches up anyway.
///
/// `openapi/openapi.yaml` documents the route; the generated code does not serve it.
struct AccountWebhookRoute: Sendable {
    static let path: RouterPath = "/v1/providers/{provider}/webhooks/{tenantId}/{kind}"

    let receiver: AccountChangeReceiver

    func register(on router: some RouterMethods<FolioRequestContext>) {
        router.post(Self.path) { request, context in
            await receive(request, context: context)
        }
    }

    func receive(_ request: Request, context: FolioRequestContext) async -> Response {
        let source = context.remoteAddress?.ipAddress
        var request = request
        let outcome: AccountChangeReceiver.Outcome
        if !receiver.admits(source: source) {
            outcome = .tooMany
        } else if let body = try? await request.collectBody(upTo: AccountChangeReceiver.maximumBodySize) {
            outcome = await receiver.receive(
                provider: context.parameters.get("provider") ?? "", tenantID: context.parameters.get("tenantId") ?? "",
                kind: context.parameters.get("kind") ?? "", body: Data(body.readableBytesView), source: source)
        } else {
            outcome = receiver.refuseUnreadableBody(source: source)
        }
        let body = #"{"status":"\#(outcome.rawValue)"}"#
        return Response(
            status: HTTPResponse.Status(code: outcome.httpStatus),
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }
}
