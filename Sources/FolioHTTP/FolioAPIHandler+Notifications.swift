import FolioAPI
import Foundation
import HTTPTypes
import OpenAPIRuntime
import StatusUpdater

extension FolioAPIHandler {
    /// The provider's notifications. Never throws: every outcome, even a body too large to read,
    /// is an HTTP 200 answer in the provider's format, because anything else counts as a failed
    /// delivery at the provider.
    package func receiveInvoiceboxNotification(
        _ input: Operations.ReceiveInvoiceboxNotification.Input
    ) async throws -> Operations.ReceiveInvoiceboxNotification.Output {
        let answer: NotificationAnswer
        if case .any(let stream) = input.body, let body = try? await Data(collecting: stream, upTo: 1 << 20) {
            let headers = (RequestScope.current?.headers ?? [:]).map { (name: $0.name.rawName, value: $0.value) }
            answer = await notifications.receive(tenantID: input.path.tenantId, body: body, headers: headers)
        } else {
            answer = .error(.notFound, "the body could not be read")
        }
        return .ok(.init(body: .json(.init(
            status: answer.code == nil ? .success : .error,
            code: answer.code?.rawValue,
            message: answer.message
        ))))
    }
}
