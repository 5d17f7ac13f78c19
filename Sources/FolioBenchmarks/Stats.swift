import FolioDomain
import Foundation

/// Percentiles and formatting shared by the benchmarks.
enum Stats {
    enum Unit {
        case microseconds, milliseconds

        var suffix: String { self == .microseconds ? "µs" : "ms" }
        var scale: Double { self == .microseconds ? 1e6 : 1e3 }
    }

    static func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration {
        guard !sorted.isEmpty else { return .zero }
        let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return sorted[max(0, index)]
    }

    static func summary(_ samples: [Duration], unit: Unit) -> String {
        let sorted = samples.sorted()
        func format(_ duration: Duration) -> String {
            String(format: "%.1f %@", seconds(of: duration) * unit.scale, unit.suffix)
        }
        return "p50 \(format(percentile(sorted, 0.50)))  p95 \(format(percentile(sorted, 0.95)))  "
            + "p99 \(format(percentile(sorted, 0.99)))  max \(format(sorted.last ?? .zero))"
    }

    static func seconds(of duration: Duration) -> Double {
        duration.fractionalSeconds
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.3f s", seconds(of: duration))
    }

    static func rate(_ count: Int, _ duration: Duration) -> String {
        let elapsed = seconds(of: duration)
        return String(format: "%.0f", elapsed > 0 ? Double(count) / elapsed : 0)
    }
}
