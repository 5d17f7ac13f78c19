import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Posts signed OrderNotifications and retries as Invoicebox does (invoicebox-api.md §14).
package struct NotificationDispatcher: Sendable {
    let state: SandboxState
    let httpClient: HTTPClient
    let retryDelays: [Duration]
    let timeout: Duration
    let logger: Logger

    /// Delivered means HTTP 200 with a JSON `{"status":"success"}` in time. An error answer with
    /// `out_of_service` (or no code), another status, a non-JSON body or no answer is retried, up
    /// to 10 more times; any other error code is recorded and not retried.
    func deliver(_ notification: PendingNotification) async {
        let signature = Self.signature(of: notification.body, key: notification.key, algorithm: notification.algorithm)
        for attempt in 1...(retryDelays.count + 1) {
            if attempt > 1 {
                do {
                    try await Task.sleep(for: retryDelays[attempt - 2])
                } catch {
                    return
                }
            }
            let (httpStatus, outcome) = await post(notification, signature: signature)
            await state.record(
                NotificationAttempt(
                    notificationID: notification.orderID, orderID: notification.orderID, status: notification.status,
                    attempt: attempt, url: notification.url, httpStatus: httpStatus, outcome: outcome, at: Date()
                )
            )
            if outcome == "success" { return }
            let retryable = outcome == "out_of_service" || outcome.hasPrefix("failed:")
            if !retryable { return }
        }
        logger.warning("notification not delivered after every retry", metadata: ["order.id": "\(notification.orderID)"])
    }

    /// `X-Signature`: HMAC of the exact body bytes with the shop's notification key, in
    /// lowercase hex, with the hash the shop chose (HMAC-SHA1 by default; invoicebox-api.md §14.7).
    package static func signature(of body: Data, key: String, algorithm: SandboxSignatureAlgorithm = .sha1) -> String {
        let symmetricKey = SymmetricKey(data: Data(key.utf8))
        let code: [UInt8] =
            switch algorithm {
            case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: body, using: symmetricKey))
            case .sha256: Array(HMAC<SHA256>.authenticationCode(for: body, using: symmetricKey))
            case .sha512: Array(HMAC<SHA512>.authenticationCode(for: body, using: symmetricKey))
            }
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// Returns the HTTP status and `success`, the shop's error code, or `failed: reason`.
    private func post(_ notification: PendingNotification, signature: String) async -> (Int?, String) {
        var request = HTTPClientRequest(url: notification.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Signature", value: signature)
        request.headers.add(name: "User-Agent", value: "Invoicebox-Sandbox/1.0")
        request.body = .bytes(ByteBuffer(data: notification.body))
        do {
            let seconds = Int64(timeout.components.seconds)
            let response = try await httpClient.execute(request, timeout: .seconds(max(1, seconds)))
            let body = try await response.body.collect(upTo: 1 << 16)
            let status = Int(response.status.code)
            guard status == 200 else { return (status, "failed: HTTP \(status)") }
            guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
                let answer = object["status"] as? String
            else {
                return (status, "failed: not JSON")
            }
            if answer == "success" { return (status, "success") }
            return (status, (object["code"] as? String) ?? "out_of_service")
        } catch {
            return (nil, "failed: \(type(of: error))")
        }
    }
}
