import Foundation

extension OrderValidation {
    /// The members of an UpdateOrderRequest (invoicebox-api.md §9.7) checked as a new order's
    /// are: a description of at most 1000 characters, a known customer type. The arithmetic of
    /// §11 is checked afterwards on the merged order.
    static func checkUpdate(_ changes: [String: Any]) throws(SandboxError) {
        if changes["description"] != nil {
            _ = try requireString(changes, "description", maxLength: 1000)
        }
        if let customer = changes["customer"] {
            guard let customer = customer as? [String: Any] else {
                throw .invalid("validation_error", field: "customer", message: "customer must be an object")
            }
            if let type = customer["type"], !(type is NSNull) {
                guard let type = type as? String, customerTypes.contains(type) else {
                    throw .invalid("validation_error", field: "customer.type", message: "unknown customer type")
                }
            }
        }
    }
}
