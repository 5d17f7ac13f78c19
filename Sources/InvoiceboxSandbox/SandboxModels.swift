import Foundation

/// A shop of the sandbox.
struct SandboxMerchant: Sendable {
    var id: String
    var token: String
    /// Signs notifications; in real life it is set in the shop's cabinet.
    var notificationKey: String
    /// The hash of the notifications' HMAC, chosen in the same cabinet.
    var notificationAlgorithm: SandboxSignatureAlgorithm = .sha1
    /// The shop-settings URL, used when an order names none.
    var notificationURL: String?
}

/// The hashes a shop may choose for the HMAC of its notifications (invoicebox-api.md §14.7).
package enum SandboxSignatureAlgorithm: String, Sendable, CaseIterable {
    case sha1, sha256, sha512
}

/// An invitation "e-mailed" by the partner invite call.
struct SandboxInvite: Sendable {
    var id: String
    var email: String
    var activationCode: String
    var activatedMerchantID: String?
}

/// An order as the sandbox keeps it: the request as received, plus what the provider adds.
struct SandboxOrder: Sendable, Equatable {
    var id: String
    var containerID: String
    var merchantID: String
    var merchantOrderID: String
    /// What the payment page shows; the provider falls back to `merchantOrderID`.
    var merchantOrderIDVisible: String? = nil
    var status: String
    var amountMinor: Int64
    var vatMinor: Int64
    var currency: String
    var createdAt: Date
    var expirationDate: Date
    var paidAt: Date?
    var notificationURL: String?
    /// The request body as received, echoed back as the real API does.
    var request: Data
    var basket: [SandboxBasketLine]
}

/// A line of an order's basket, with how much of it is left to refund.
struct SandboxBasketLine: Sendable, Equatable {
    /// The line as received.
    var item: Data
    var sku: String
    var vatCode: String
    var totalMinor: Int64
    var totalVATMinor: Int64
    var refundedMinor: Int64 = 0
    var refundedVATMinor: Int64 = 0
}

struct SandboxRefund: Sendable {
    var id: String
    var parentID: String
    var merchantID: String
    var merchantOrderID: String
    var description: String
    var amountMinor: Int64
    var vatMinor: Int64
    var currency: String
    var status: String
    var createdAt: Date
    /// The lines as received.
    var basketItems: Data
    /// What it took from each line of the parent, given back if it is canceled.
    var draws: [Draw] = []

    struct Draw: Sendable {
        var line: Int
        var minor: Int64
        var vatMinor: Int64
    }
}

/// One notification delivery attempt, for the admin API and tests.
package struct NotificationAttempt: Sendable {
    package var notificationID: String
    package var orderID: String
    package var status: String
    package var attempt: Int
    package var url: String
    /// The HTTP status answered, or nil when there was no answer.
    package var httpStatus: Int?
    /// `success`, or the error code the shop answered, or why the attempt failed.
    package var outcome: String
    package var at: Date
}

/// A fault to inject into matching requests (invoicebox-api.md §18.9).
package struct SandboxFault: Sendable {
    package enum Kind: String, Sendable {
        /// Wait `milliseconds` before handling the request.
        case latency
        /// Answer `status` without handling the request.
        case status
        /// Handle the request, then answer 502 with an HTML body, as a proxy that lost the answer.
        case dropResponse = "drop_response"
        /// Handle the request, then wait `milliseconds` before answering (past the client's timeout).
        case hang
        /// Answer 200 with a body that is not the promised JSON.
        case malformedBody = "malformed_body"
        /// Answer 200 `{"data": null}` without handling the request: a success that carries nothing.
        case emptyData = "empty_data"
    }

    package var kind: Kind
    /// Only requests whose method matches (`POST`, …); nil for any.
    package var method: String?
    /// Only requests whose path contains this; nil for any.
    package var pathContains: String?
    /// How many requests it hits before it is used up.
    package var remaining: Int
    package var status: Int = 500
    /// The error code a `status` fault answers with.
    package var code: String = "internal_error"
    package var milliseconds: Int = 0
    package var retryAfterSeconds: Int?
    /// The field a `status` fault names in `error.fields`, e.g. `basketItems[0].totalAmount`.
    package var field: String?
}
