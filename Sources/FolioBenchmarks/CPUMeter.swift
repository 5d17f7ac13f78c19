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

    /// The line printed after a phase: "  CPU per notification: 1234 µs in this process, 2345 µs in PostgreSQL".
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
        #if canImport(Glibc)
            let who = RUSAGE_SELF.rawValue
        #else
            let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return .zero }
        func duration(_ time: timeval) -> Duration { .seconds(Int64(time.tv_sec)) + .microseconds(Int64(time.tv_usec)) }
        return duration(usage.ru_utime) + duration(usage.ru_stime)
    }

    /// The user and system time of every process the cluster lists (backends and its background
    /// processes), plus what the postmaster collected from children that ended: a process that
    /// ends during a phase moves its time from the first sum to the second, and one that starts
    /// and ends within it is still counted. From `/proc`, in clock ticks (10 ms each).
    func databaseTime() async -> Duration? {
        do {
            let rows = try await database.query("SELECT pid FROM pg_stat_activity", logger: logger)
            var ticks = 0.0
            var postmaster: Int32?
            for try await pid in rows.decode(Int32.self) {
                guard let fields = Self.statFields(of: pid), let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
                ticks += user + system
                postmaster = postmaster ?? Int32(fields[1])
            }
            guard let postmaster, let fields = Self.statFields(of: postmaster), let user = Double(fields[13]), let system = Double(fields[14]) else {
                return nil
            }
            ticks += user + system
            return Self.duration(ofTicks: ticks)
        } catch {
            return nil
        }
    }

    /// The user and system time of one process, from `/proc`; `nil` when it cannot be read.
    static func processorTime(of pid: Int32) -> Duration? {
        guard let fields = statFields(of: pid), let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return duration(ofTicks: user + system)
    }

    static func duration(ofTicks ticks: Double) -> Duration {
        .milliseconds(Int64(ticks / Double(sysconf(Int32(_SC_CLK_TCK))) * 1000))
    }

    /// The fields of `/proc/<pid>/stat` after the command name: the 3rd field of the line (state)
    /// is at index 0, so ppid is at 1, utime and stime at 11 and 12, cutime and cstime at 13 and 14.
    static func statFields(of pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        return fields.count > 14 ? fields : nil
    }
}
