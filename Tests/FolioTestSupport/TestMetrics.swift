import Metrics
import Prometheus

/// swift-metrics can be bootstrapped once per process; every test that reads metrics shares this
/// registry. Touch it before creating the component whose metrics a test reads.
package enum TestMetrics {
    package static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The value of a counter without labels, read from the Prometheus text format.
    package static func counter(_ name: String) -> Double {
        for line in registry.emitToString().split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }
}
