import FolioAPI
import Foundation
import HTTPTypes
import OpenAPIRuntime
import StatusUpdater

extension FolioAPIHandler {
    /// The provider's notifications. Never throws: every outcome, even a body too large to read,
    /// is an HTTP 200 answer in the provider's format, because anything else counts as a failed
    /// delivery at the provider.
    ///
    /// The rate limits are applied before the body is read, and at most
    /// `NotificationReceiver.maximumBodySize` bytes of it are read.
    package func receiveInvoiceboxNotification(
        _ input: Operations.ReceiveInvoiceboxNotification.Input
    ) async throws -> Operations.ReceiveInvoiceboxNotification.Output {
        let tenantID = input.path.tenantId
        let source = RequestScope.current?.sourceAddress
        let answer: NotificationAnswer
        if let refusal = notifications.admit(tenantID: tenantID, source: source) {
            answer = refusal
        } else if case .any(let stream) = input.body,
                  let body = try? await Data(collecting: stream, upTo: NotificationReceiver.maximumBodySize) {
            let headers = (RequestScope.current?.headers ?? [:]).map { (name: $0.name.rawName, value: $0.value) }
            answer = await notifications.receive(tenantID: tenantID, body: body, headers: headers, source: source)
        } else {
            answer = notifications.refuseUnreadableBody()
        }
        return .ok(.init(body: .json(.init(
            status: answer.code == nil ? .success : .error,
            code: answer.code?.rawValue,
            message: answer.message
        ))))
    }
}
