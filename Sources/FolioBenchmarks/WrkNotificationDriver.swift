import ArgumentParser
import FolioDomain
import Foundation

/// Posts prepared provider notifications to Folio with wrk (Debian package `wrk`), from outside
/// this process: wrk thread i, with its one connection, is sender i, and posts sender i's
/// notifications one after another, each as soon as the last is answered, each once. The load
/// generator's own work then neither runs on Folio's threads nor counts in this process's CPU.
struct WrkNotificationDriver {
    /// One notification as the provider would post it.
    struct Notification {
        let path: String
        let body: Data
    }

    /// What wrk measured; latencies in microseconds.
    struct Outcome {
        var requests = 0
        var durationMicroseconds = 0
        /// Connections that failed, timed out or were answered with an HTTP error.
        var errors = 0
        /// Answers other than the provider's success answer.
        var refused = 0
        /// Requests a thread would have sent after its last notification: the run outlasted them.
        var exhausted = 0
        var p50 = 0
        var p95 = 0
        var p99 = 0
        var max = 0

        var perSecond: Double { durationMicroseconds > 0 ? Double(requests) / (Double(durationMicroseconds) / 1e6) : 0 }
    }

    let seconds: Int

    /// - Parameter senders: each sender's notifications, in the order it posts them.
    func run(baseURL: String, senders: [[Notification]]) async throws -> Outcome {
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile) else {
            throw ValidationError("wrk is not installed (scripts/bench.sh installs it)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("folio-wrk-\(UUID())", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let list = directory.appendingPathComponent("notifications.tsv")
        let script = directory.appendingPathComponent("notifications.lua")
        let output = directory.appendingPathComponent("wrk.out")
        try Self.lines(of: senders).write(to: list)
        try Data(Self.script.utf8).write(to: script)
        try Data().write(to: output)
        let outputHandle = try FileHandle(forWritingTo: output)
        defer { try? outputHandle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = [
            "-t\(senders.count)", "-c\(senders.count)", "-d\(seconds)s", "--timeout", "30s", "-s", script.path, baseURL, "--", list.path,
        ]
        process.standardOutput = outputHandle
        process.standardError = outputHandle
        let status = try await process.runToExit()
        let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        guard status == 0, let outcome = Self.outcome(in: text) else {
            throw ValidationError("wrk exited with status \(status): \(text.suffix(2000))")
        }
        return outcome
    }

    /// One line per notification, `sender<TAB>path<TAB>body`, each sender's in its order.
    static func lines(of senders: [[Notification]]) throws -> Data {
        var data = Data()
        for (sender, notifications) in senders.enumerated() {
            for notification in notifications {
                guard !notification.body.contains(0x0A), !notification.body.contains(0x09), !notification.path.contains("\t") else {
                    throw ValidationError("a notification body holds a tab or a line break; wrk's list cannot carry it")
                }
                data.append(Data("\(sender)\t\(notification.path)\t".utf8))
                data.append(notification.body)
                data.append(0x0A)
            }
        }
        return data
    }

    /// The script's `wrk-summary` line, read back.
    static func outcome(in text: String) -> Outcome? {
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("wrk-summary ") }) else { return nil }
        var fields: [String: Int] = [:]
        for pair in line.split(separator: " ").dropFirst() {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Int(parts[1]) else { return nil }
            fields[String(parts[0])] = value
        }
        guard let requests = fields["requests"], let duration = fields["duration_us"] else { return nil }
        return Outcome(
            requests: requests, durationMicroseconds: duration, errors: fields["errors"] ?? 0, refused: fields["refused"] ?? 0,
            exhausted: fields["exhausted"] ?? 0, p50: fields["p50_us"] ?? 0, p95: fields["p95_us"] ?? 0, p99: fields["p99_us"] ?? 0,
            max: fields["max_us"] ?? 0
        )
    }

    /// Thread `id` (from 0) posts the lines of sender `id`, in order, each once; a thread that runs
    /// out stops, and counts what it would have sent as `exhausted`.
    static let script = #"""
        local threads = {}
        local nextID = 0

        function setup(thread)
            thread:set("id", nextID)
            nextID = nextID + 1
            table.insert(threads, thread)
        end

        function init(args)
            paths, bodies = {}, {}
            for line in io.lines(args[1]) do
                local first = line:find("\t", 1, true)
                if tonumber(line:sub(1, first - 1)) == id then
                    local second = line:find("\t", first + 1, true)
                    table.insert(paths, line:sub(first + 1, second - 1))
                    table.insert(bodies, line:sub(second + 1))
                end
            end
            nextIndex = 1
            refused = 0
            exhausted = 0
        end

        function request()
            if nextIndex > #paths then
                exhausted = exhausted + 1
                wrk.thread:stop()
                return wrk.format("GET", "/health/live")
            end
            local index = nextIndex
            nextIndex = index + 1
            return wrk.format("POST", paths[index], {["Content-Type"] = "application/json"}, bodies[index])
        end

        function response(status, headers, body)
            if status ~= 200 or body ~= '{"status":"success"}' then
                refused = refused + 1
            end
        end

        function done(summary, latency, requests)
            local refusedAll, exhaustedAll = 0, 0
            for _, thread in ipairs(threads) do
                refusedAll = refusedAll + thread:get("refused")
                exhaustedAll = exhaustedAll + thread:get("exhausted")
            end
            local errors = summary.errors
            io.write(string.format(
                "wrk-summary requests=%d duration_us=%d errors=%d refused=%d exhausted=%d p50_us=%d p95_us=%d p99_us=%d max_us=%d\n",
                summary.requests, summary.duration, errors.connect + errors.read + errors.write + errors.status + errors.timeout,
                refusedAll, exhaustedAll, math.floor(latency:percentile(50)), math.floor(latency:percentile(95)),
                math.floor(latency:percentile(99)), math.floor(latency.max)))
        end
        """#
}
