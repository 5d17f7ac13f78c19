import FolioAPI
import OpenAPIRuntime
import Prometheus

extension FolioAPIHandler {
    package func getLiveness(_ input: Operations.GetLiveness.Input) async throws -> Operations.GetLiveness.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    package func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        guard await readiness() else { throw APIProblem.serviceUnavailable }
        return .ok(.init(body: .json(.init(status: .ok))))
    }

    package func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(metrics.emitToString()))))
    }
}
