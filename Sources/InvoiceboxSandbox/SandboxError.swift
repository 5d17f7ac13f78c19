/// An error answer in the provider's shape: `{"error": {"message", "code", "fields"}}`.
package struct SandboxError: Error, Sendable {
    package var status: Int
    package var code: String
    var message: String
    var fields: [String] = []

    static let unauthorized = SandboxError(status: 401, code: "unauthorized", message: "Unauthorized")
    static let forbidden = SandboxError(status: 403, code: "forbidden", message: "Forbidden")
    static let notFound = SandboxError(status: 404, code: "not_found", message: "Not Found")

    static func invalid(_ code: String, field: String? = nil, message: String = "Validation Error") -> SandboxError {
        SandboxError(status: 422, code: code, message: message, fields: field.map { [$0] } ?? [])
    }

    static func calculation(_ code: String, field: String) -> SandboxError {
        SandboxError(status: 422, code: code, message: "Calculation Error", fields: [field])
    }

    static let wrongStatus = SandboxError(status: 422, code: "wrong_order_status", message: "Wrong order status")
}
