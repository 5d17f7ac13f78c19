import Foundation
import Logging
import PostgresNIO

#if canImport(Glibc)
    import Glibc
#endif

/// The CPU time a phase of a benchmark took: this process's (Folio, the in-process sandbox and the
/// load generator), and PostgreSQL's (every process of the benchmark's own cluster), both read
/// from the kernel. On a shared machine a rate drifts with whatever else runs; the CPU an
/// operation costs drifts much less, so two builds compare by it.
struct CPUMeter {
    struct Reading {
        var process: Duration
        /// `nil` when the database's processes cannot be read (another machine, another user).
        var database: Duration?
    }

    let database: PostgresClient
    let logger: Logger

    func read() async -> Reading {
        Reading(process: Self.processTime(), database: await databaseTime())
    }

    /// "CPU per notification: 1,234 µs here, 2,345 µs in PostgreSQL".
    func summary(since start: Reading, operations: Int, per noun: String) async -> String {
        let end = await read()
        let count = Double(max(1, operations))
        var text = String(format: "  CPU per %@: %.0f µs in this process", noun, Stats.seconds(of: end.process - start.process) * 1e6 / count)
        if let before = start.database, let after = end.database {
            text += String(format: ", %.0f µs in PostgreSQL", Stats.seconds(of: after - before) * 1e6 / count)
        }
        return text
    }

    static func processTime() -> Duration {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return .zero }
        func duration(_ time: timeval) -> Duration { .seconds(Int64(time.tv_sec)) + .microseconds(Int64(time.tv_usec)) }
        return duration(usage.ru_utime) + duration(usage.ru_stime)
    }

    /// The user and system time of every process the cluster lists (backends and its background
    /// processes), from `/proc`. A backend that ends during the phase takes its time with it, so
    /// the benchmarks keep a fixed pool.
    func databaseTime() async -> Duration? {
        do {
            let rows = try await database.query("SELECT pid FROM pg_stat_activity", logger: logger)
            let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
            var total = 0.0
            for try await pid in rows.decode(Int32.self) {
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                    let end = stat.lastIndex(of: ")")
                else { continue }
                // Fields after the command name; utime and stime are the 14th and 15th of the whole line.
                let fields = stat[stat.index(after: end)...].split(separator: " ")
                guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
                total += (user + system) / ticksPerSecond
            }
            return total > 0 ? .milliseconds(Int64(total * 1000)) : nil
        } catch {
            return nil
        }
    }
}
