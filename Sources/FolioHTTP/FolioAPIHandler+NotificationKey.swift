import FolioAPI
import FolioDomain
import InvoicingService
import PaymentsPort

extension FolioAPIHandler {
    /// The longest grace period of a replaced notification key: a week.
    static let notificationKeyGraceSeconds = 0...604_800

    package func putNotificationKey(_ input: Operations.PutNotificationKey.Input) async throws -> Operations.PutNotificationKey.Output {
        let id = try await existingTenant(input.path.tenantId)
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        let algorithm = Self.notificationKeyAlgorithm(body.algorithm, pointer: "/algorithm")
        let graceSeconds = body.graceSeconds ?? 0
        try Self.validate([
            FieldViolation.checkToken(body.key.revealed, pointer: "/key", lengths: 1...256),
            algorithm.violation,
            Self.notificationKeyGraceSeconds.contains(graceSeconds)
                ? nil : FieldViolation(pointer: "/graceSeconds", code: "out_of_range", detail: "must be 0 to 604800 seconds"),
        ])
        let state = try await invoicing.setNotificationKey(
            id, key: NotificationKey(secret: body.key, algorithm: algorithm.value), graceSeconds: graceSeconds, actor: actor
        )
        return .ok(.init(body: .json(.init(state, notificationURL: invoices.notificationURL(of: id)))))
    }

    package func deleteNotificationKey(_ input: Operations.DeleteNotificationKey.Input) async throws -> Operations.DeleteNotificationKey.Output {
        let id = try await existingTenant(input.path.tenantId)
        let state = try await invoicing.removeNotificationKey(id, actor: actor)
        return .ok(.init(body: .json(.init(state, notificationURL: invoices.notificationURL(of: id)))))
    }

    /// The algorithm a request names, HMAC-SHA1 when it names none. The spec keeps the field a
    /// plain string so that an unknown name is a field violation (422), not an unreadable body.
    static func notificationKeyAlgorithm(_ name: String?, pointer: String) -> (value: NotificationKey.Algorithm, violation: FieldViolation?) {
        guard let name else { return (.standard, nil) }
        guard let algorithm = NotificationKey.Algorithm(rawValue: name) else {
            return (.standard, FieldViolation(pointer: pointer, code: "invalid_value", detail: "must be sha1, sha256 or sha512"))
        }
        return (algorithm, nil)
    }
}
