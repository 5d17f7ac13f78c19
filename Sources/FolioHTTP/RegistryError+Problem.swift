import FolioDomain
import HTTPTypes
import TenantRegistry

extension RegistryError: ProblemConvertible {
    var problem: APIProblem {
        switch self {
        case .tenantNotFound(let id):
            .tenantNotFound(id.description)
        case .invalidCursor:
            .invalidParameter("cursor", "not a cursor returned by this API")
        case .tenantSchemaBehind:
            APIProblem(status: .serviceUnavailable, code: "tenant_unavailable", detail: "This tenant's data is being migrated; try again shortly.")
        case .databaseFailed:
            .serviceUnavailable
        }
    }
}

extension RegistryConflict: ProblemConvertible {
    var problem: APIProblem { .serviceUnavailable }
}

extension MigrationError: ProblemConvertible {
    var problem: APIProblem { .serviceUnavailable }
}
