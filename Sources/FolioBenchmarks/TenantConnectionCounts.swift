import Metrics
import Prometheus
import Synchronization

/// Where Folio's tenant statements ran during a phase of a benchmark, from its own counters
/// (`folio_tenant_connection_statements_total`, `folio_tenant_connection_waits_total`): on the
/// tenant's own connection, on the shared pool, and how many waited for a read first.
///
/// Folio's counters only count once a metrics system is bootstrapped, so `bootstrap()` must run
/// before the stack starts; the process can bootstrap it only once.
final class TenantConnectionCounts: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let last = Mutex<[String: Double]>([:])
    private static let names = [
        "own": #"folio_tenant_connection_statements_total{connection="own"}"#,
        "shared": #"folio_tenant_connection_statements_total{connection="shared"}"#,
        "waited": "folio_tenant_connection_waits_total",
    ]

    private init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    static func bootstrap() -> TenantConnectionCounts {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return TenantConnectionCounts(registry: registry)
    }

    /// The line printed after a phase, with what each counter gained since the previous one.
    func summarySinceLast() -> String {
        var now: [String: Double] = [:]
        for line in registry.emitToString().split(separator: "\n") {
            for (key, name) in Self.names where line.hasPrefix(name + " ") {
                now[key] = Double(line.split(separator: " ").last ?? "") ?? 0
            }
        }
        let gained = last.withLock { last in
            defer { last = now }
            return Dictionary(uniqueKeysWithValues: now.map { key, value in (key, Int(value - (last[key] ?? 0))) })
        }
        return "  tenant statements: \(gained["own", default: 0]) on their own connection (\(gained["waited", default: 0]) after a wait), "
            + "\(gained["shared", default: 0]) on the shared pool"
    }
}
