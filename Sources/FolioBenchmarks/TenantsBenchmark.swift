import ArgumentParser
import FolioDomain
import Foundation
import InvoiceboxSandbox
import InvoicingService
import Logging
import NIOHTTP1
import PostgresNIO
import TenantRegistry

/// Many tenants in one database: provisioning through the API, lists on a few hot tenants before
/// and after the crowd arrives and on random ones, `migrate --verify-all`, and the disk an empty
/// tenant costs. Prints figures only.
struct TenantsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants",
        abstract: "Provision N tenants through the API; list on hot and random tenants; time migrate --verify-all; disk per empty tenant."
    )

    @Option(help: "Tenants in total, the hot ones included.")
    var tenants = 10_000

    @Option(help: "Tenants provisioned one at a time, for the sequential latency.")
    var sequential = 200

    @Option(help: "Concurrent clients for the bulk of the provisioning and for the lists.")
    var concurrency = 8

    @Option(help: "List requests per measurement.")
    var requests = 4000

    @Option(help: "Invoices given to each hot tenant and to each tenant of the random sample.")
    var invoicesPerTenant = 25

    @Option(help: "Tenants the random lists of each round pick from (each gets invoices).")
    var randomSample = 1000

    @Option(help: "Rounds of list measurements, each with random tenants of its own; the ratios compare median p95s.")
    var rounds = 3

    @OptionGroup var database: BenchmarkDatabase

    static let hot = 10
    /// Connections Folio has beyond one per client.
    static let extraConnections = 8

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        let crowd = max(Self.hot + 1, tenants) - Self.hot
        guard rounds * randomSample <= crowd else {
            throw ValidationError("--rounds × --random-sample must be at most the \(crowd) tenants beyond the hot ones")
        }
    }

    func run() async throws {
        let counts = TenantConnectionCounts.bootstrap()
        let logger = InvoicesBenchmark.quietLogger
        let total = max(Self.hot + 1, tenants)
        let connections = concurrency + Self.extraConnections
        let ownConnections = try database.tenantConnections(of: connections)
        try await Stack.run(
            database: database, connections: connections,
            sandboxConfiguration: .fast, logger: logger
        ) { stack, _, _, apiURL in
            let client = Client(apiURL: apiURL, key: stack.platformKey, runID: String(UUID().uuidString.prefix(8)))
            let meter = CPUMeter(database: stack.database, logger: logger)
            print(
                "Folio's connections: \(connections - ownConnections) shared, \(ownConnections) each kept for a share of the tenants")
            try await timeProvisioningStatements(stack)

            print("\(Self.hot) hot tenants, \(invoicesPerTenant) invoices each")
            var provisioned: [TenantID] = []
            for index in 0..<Self.hot { provisioned.append(try await client.provision(index)) }
            let hot = provisioned
            for tenant in hot { try await stack.insertInvoices(tenant, count: invoicesPerTenant, request: Stack.benchmarkRequest, logger: logger) }
            try await stack.database.query("ANALYZE", logger: logger)
            // The first requests also fill the pools and the backends' caches; not compared.
            _ = try await measureLists("warm-up, not compared", client: client, meter: meter, counts: counts, pick: { hot.randomElement()! })
            var alone: [[Duration]] = []
            for round in 1...rounds {
                alone.append(
                    try await measureLists(
                        "hot tenants, \(Self.hot) in the database\(label(round))", client: client, meter: meter, counts: counts,
                        pick: { hot.randomElement()! }))
            }

            let sizeBefore = try await databaseSize(stack)
            let crowd = total - Self.hot
            let sequentialCount = min(sequential, crowd)
            print("provisioning \(crowd) tenants through POST /v1/tenants: \(sequentialCount) one at a time, the rest with \(concurrency) clients")
            var others: [TenantID] = []
            var latencies: [Duration] = []
            for index in Self.hot..<(Self.hot + sequentialCount) {
                let begin = ContinuousClock.now
                others.append(try await client.provision(index))
                latencies.append(ContinuousClock.now - begin)
            }
            print("  sequential (\(sequentialCount)): \(Stats.summary(latencies, unit: .milliseconds))")
            let bulkStart = Self.hot + sequentialCount
            if bulkStart < total {
                let started = ContinuousClock.now
                let (ids, bulkLatencies) = try await provisionConcurrently(client, range: bulkStart..<total)
                let elapsed = ContinuousClock.now - started
                others += ids
                print(
                    "  \(concurrency) clients (\(ids.count)): \(Stats.rate(ids.count, elapsed)) tenants/s, "
                        + Stats.summary(bulkLatencies, unit: .milliseconds)
                )
            }
            let sizeAfter = try await databaseSize(stack)
            print(
                String(
                    format: "disk per empty tenant: %.1f KB (pg_database_size after CHECKPOINT: %.1f MB before, %.1f MB after %d tenants)",
                    Double(sizeAfter - sizeBefore) / Double(max(1, crowd)) / 1024, Double(sizeBefore) / 1_048_576,
                    Double(sizeAfter) / 1_048_576, crowd
                )
            )

            let shuffled = others.shuffled()
            let samples = (0..<rounds).map { Array(shuffled.dropFirst($0 * randomSample).prefix(randomSample)) }
            for tenant in samples.joined() {
                try await stack.insertInvoices(tenant, count: invoicesPerTenant, request: Stack.benchmarkRequest, logger: logger)
            }
            let written = rounds * randomSample
            let sizeWithSample = try await databaseSize(stack)
            print(
                String(
                    format: "disk per tenant once it wrote (its schema and %d invoices, %d tenants): %.1f KB",
                    invoicesPerTenant, written, Double(sizeWithSample - sizeAfter) / Double(max(1, written)) / 1024
                )
            )
            try await stack.database.query("ANALYZE", logger: logger)
            var crowded: [[Duration]] = []
            var random: [[Duration]] = []
            var randomAgain: [[Duration]] = []
            for (round, sample) in zip(1..., samples) {
                crowded.append(
                    try await measureLists(
                        "hot tenants, \(total) in the database\(label(round))", client: client, meter: meter, counts: counts,
                        pick: { hot.randomElement()! }))
                let memoryBefore = try await serverMemory(stack)
                random.append(
                    try await measureLists(
                        "random tenants of \(sample.count), \(total) in the database\(label(round))", client: client, meter: meter,
                        counts: counts, pick: { sample.randomElement()! }))
                let memoryAfter = try await serverMemory(stack)
                print(
                    String(
                        format:
                            "  PostgreSQL's %d client processes grew by %.1f MB of private memory over the random lists (to %.1f MB; largest %.1f MB)",
                        memoryAfter.processes, Double(memoryAfter.total - memoryBefore.total) / 1024, Double(memoryAfter.total) / 1024,
                        Double(memoryAfter.largest) / 1024
                    )
                )
                // The first random pass is also the first read of most of the sample on its
                // connection, as the hot tenants' warm-up was theirs; the second is the steady
                // state of a server that has been up a while.
                randomAgain.append(
                    try await measureLists(
                        "random tenants of \(sample.count) again, \(total) in the database\(label(round))", client: client,
                        meter: meter, counts: counts, pick: { sample.randomElement()! }))
            }
            // A pass takes a few seconds, in which the machine's other work can move its p95 by
            // a fifth: the ratios compare medians over the rounds, and every round is shown.
            let tenTenants = Percentiles(alone)
            let hotAmongAll = Percentiles(crowded)
            let randomFirst = Percentiles(random)
            print("p95 per round, ms: \(Self.hot)-tenant \(tenTenants.shown)")
            for (name, pass) in [("hot among \(total)", hotAmongAll), ("random", randomFirst), ("random again", Percentiles(randomAgain))] {
                print("  \(name) \(pass.shown)")
                print(
                    String(
                        format: "  %@ ÷ %d-tenant, medians of %d rounds: p50 %.2f×, p95 %.2f×", name, Self.hot, rounds,
                        pass.medianP50 / tenTenants.medianP50, pass.medianP95 / tenTenants.medianP95))
            }
            // Measured a minute apart, the lists above also see what else the machine did
            // meanwhile; each round's hot and random lists run back to back on the same database.
            let backToBack = zip(randomFirst.p95s, hotAmongAll.p95s).map(/)
            print(
                String(format: "  random ÷ hot, both among %d, p95: median %.2f× (", total, Percentiles.median(backToBack))
                    + backToBack.map { String(format: "%.2f×", $0) }.joined(separator: ", ") + " by round)")
            try await measureFirstReads(of: samples[0], logger: logger)

            let migrations = try MigrationSet.load(from: URL(fileURLWithPath: database.migrations, isDirectory: true))
            let runner = MigrationRunner(client: stack.database, migrations: migrations, logger: logger)
            let begin = ContinuousClock.now
            let report = try await runner.run(verifyAll: true)
            let elapsed = ContinuousClock.now - begin
            print(
                "migrate --verify-all over \(report.tenantSchemasChecked) schemas: \(Stats.seconds(elapsed)), "
                    + "\(Stats.rate(report.tenantSchemasChecked, elapsed)) schemas/s (\(report.tenantFilesApplied) files applied)"
            )
        }
    }

    /// ", round 2 of 3" when there are several rounds.
    func label(_ round: Int) -> String {
        rounds > 1 ? ", round \(round) of \(rounds)" : ""
    }

    /// The p50 and p95 of each of several passes of one kind, in seconds.
    struct Percentiles {
        let p50s: [Double]
        let p95s: [Double]

        init(_ passes: [[Duration]]) {
            let sorted = passes.map { $0.sorted() }
            p50s = sorted.map { Stats.seconds(of: Stats.percentile($0, 0.5)) }
            p95s = sorted.map { Stats.seconds(of: Stats.percentile($0, 0.95)) }
        }

        var medianP50: Double { Self.median(p50s) }
        var medianP95: Double { Self.median(p95s) }
        /// Each pass's p95 in milliseconds.
        var shown: String { p95s.map { String(format: "%.2f", $0 * 1000) }.joined(separator: " / ") }

        static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
    }

    /// The private memory (`RssAnon`, in KB) of the server processes of this database's clients,
    /// where each keeps the catalog entries of the tables it read.
    func serverMemory(_ stack: Stack) async throws -> (processes: Int, total: Int, largest: Int) {
        let rows = try await stack.database.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'",
            logger: stack.logger
        )
        var sizes: [Int] = []
        for try await pid in rows.decode(Int32.self) {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
                let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ Int($0) })
            else { continue }
            sizes.append(kilobytes)
        }
        return (sizes.count, sizes.reduce(0, +), sizes.max() ?? 0)
    }

    /// `requests` list calls of 20 invoices from `concurrency` clients, each on the tenant `pick` gives.
    func measureLists(
        _ label: String, client: Client, meter: CPUMeter, counts: TenantConnectionCounts, pick: @escaping @Sendable () -> TenantID
    ) async throws -> [Duration] {
        let perClient = max(1, requests / concurrency)
        _ = counts.summarySinceLast()
        let cpuBefore = await meter.read()
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var samples: [Duration] = []
                    for _ in 0..<perClient {
                        let begin = ContinuousClock.now
                        _ = try await InvoicesBenchmark.call(.GET, "\(client.apiURL)/v1/tenants/\(pick())/invoices?limit=20", key: client.key, expect: 200)
                        samples.append(ContinuousClock.now - begin)
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let elapsed = ContinuousClock.now - started
        print("list, \(label), \(concurrency) clients: \(Stats.rate(latencies.count, elapsed)) requests/s, \(Stats.summary(latencies, unit: .milliseconds))")
        print(await meter.summary(since: cpuBefore, operations: latencies.count, per: "list"))
        print(counts.summarySinceLast())
        return latencies
    }

    /// What a connection's first read of a tenant costs PostgreSQL, and what the connection keeps
    /// of it: a new connection runs the list's statement on every tenant of `sample`, then once
    /// more on each, and reads its server process's CPU time and the memory its contexts use
    /// (`pg_backend_memory_contexts`) after each pass. A server process loads a table's catalog
    /// entries the first time it reads it and keeps them for as long as it lives. The CPU time
    /// comes from `/proc` in clock ticks of 10 ms, so the default sample of 1,000 tenants keeps
    /// it within a few per cent. Printed as not measured when either cannot be read (a database
    /// on another machine, a role that may not read the memory contexts).
    func measureFirstReads(of sample: [TenantID], logger: Logger) async throws {
        guard !sample.isEmpty else { return }
        let client = PostgresClient(configuration: try database.configuration(connections: 1), backgroundLogger: logger)
        let label = "first read of a tenant on a connection (\(sample.count) tenants, the list's statement, one new connection)"
        try await withThrowingTaskGroup(of: Void.self) { group in
            client.run(in: &group)
            defer { group.cancelAll() }
            try await client.withConnection { connection in
                func server() async -> (cpu: Duration, bytes: Int64)? {
                    let statement: PostgresQuery = "SELECT pg_backend_pid(), (SELECT sum(used_bytes) FROM pg_backend_memory_contexts)::bigint"
                    guard let rows = try? await connection.query(statement, logger: logger),
                        let (pid, bytes) = try? await rows.decode((Int32, Int64).self).collect().first,
                        let cpu = CPUMeter.processorTime(of: pid)
                    else { return nil }
                    return (cpu, bytes)
                }
                func readEach() async throws {
                    for tenant in sample {
                        let statement =
                            "SELECT \(InvoicingService.Invoice.columns) FROM \"\(tenant.schemaName)\".invoices "
                            + "WHERE true ORDER BY created_at DESC, id DESC LIMIT 21"
                        _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                    }
                }
                let start = await server()
                try await readEach()
                let first = await server()
                try await readEach()
                guard let start, let first, let second = await server() else {
                    print("\(label): not measured (the server process's /proc entry or its memory contexts cannot be read)")
                    return
                }
                let count = Double(sample.count)
                print(
                    String(
                        format: "%@: PostgreSQL CPU %.0f µs per tenant the first time, %.0f µs the second; the server process keeps %.1f KB per tenant read",
                        label, Stats.seconds(of: first.cpu - start.cpu) * 1e6 / count, Stats.seconds(of: second.cpu - first.cpu) * 1e6 / count,
                        Double(first.bytes - start.bytes) / count / 1024
                    )
                )
            }
        }
    }

    func provisionConcurrently(_ client: Client, range: Range<Int>) async throws -> ([TenantID], [Duration]) {
        try await withThrowingTaskGroup(of: (TenantID, Duration).self) { group in
            var next = range.lowerBound
            func add() {
                let index = next
                next += 1
                group.addTask {
                    let begin = ContinuousClock.now
                    let id = try await client.provision(index)
                    return (id, ContinuousClock.now - begin)
                }
            }
            while next < min(range.upperBound, range.lowerBound + concurrency) { add() }
            var ids: [TenantID] = []
            var latencies: [Duration] = []
            while let (id, latency) = try await group.next() {
                ids.append(id)
                latencies.append(latency)
                if next < range.upperBound { add() }
            }
            return (ids, latencies)
        }
    }

    /// The database's size once every dirty page is on disk.
    func databaseSize(_ stack: Stack) async throws -> Int64 {
        try await stack.database.query("CHECKPOINT", logger: stack.logger)
        let rows = try await stack.database.query("SELECT pg_database_size(current_database())", logger: stack.logger)
        return try await rows.decode(Int64.self).firstElement() ?? 0
    }

    /// Where the time of a tenant's first write goes in making its schema: the runner's statements
    /// sent one by one on a scratch schema, each timed, then rolled back; then the one-block
    /// provisioning the first write runs, and a commit's WAL flush.
    func timeProvisioningStatements(_ stack: Stack) async throws {
        let logger = stack.logger
        let migrations = try MigrationSet.load(from: URL(fileURLWithPath: database.migrations, isDirectory: true)).tenant
        let schema = TenantID.random().schemaName
        var steps = [
            ("CREATE SCHEMA", "CREATE SCHEMA \(quotedIdentifier(schema))"),
            ("SET LOCAL search_path", "SET LOCAL search_path TO \(quotedIdentifier(schema))"),
        ]
        for migration in migrations {
            for statement in SQLScript.statements(in: migration.sql) {
                let firstLine = statement.split(whereSeparator: \.isNewline).first { !$0.hasPrefix("--") } ?? ""
                steps.append(("\(migration.name.prefix(4)) \(firstLine.prefix(70))", statement))
            }
        }
        try await stack.database.withConnection { connection in
            var timings: [(String, Duration)] = []
            try await connection.query("BEGIN", logger: logger)
            for (label, sql) in steps {
                let begin = ContinuousClock.now
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                timings.append((label, ContinuousClock.now - begin))
            }
            try await connection.query("ROLLBACK", logger: logger)
            let statements = timings.reduce(Duration.zero) { $0 + $1.1 }
            print("one schema's tenant migrations statement by statement (\(timings.count) round trips, rolled back): \(Stats.seconds(statements))")
            for (label, duration) in timings.sorted(by: { $0.1 > $1.1 }).prefix(12) {
                print(String(format: "  %6.2f ms  %@", Stats.seconds(of: duration) * 1e3, label))
            }

            // No registry row names the scratch schema, so the block's version update touches nothing.
            var blocks: [Duration] = []
            for _ in 0..<5 {
                let script = TenantSchemaProvisioning.script(schema: TenantID.random().schemaName, migrations: migrations)
                try await connection.query("BEGIN", logger: logger)
                let begin = ContinuousClock.now
                try await connection.query(PostgresQuery(unsafeSQL: script), logger: logger)
                blocks.append(ContinuousClock.now - begin)
                try await connection.query("ROLLBACK", logger: logger)
            }
            var commits: [Duration] = []
            for _ in 0..<20 {
                commits.append(try await CommitFlushProbe.time(on: connection, logger: logger))
            }
            print("  the same as one block (rolled back, 5 runs): \(Stats.summary(blocks, unit: .milliseconds))")
            print("  a commit's WAL flush (20 runs): \(Stats.summary(commits, unit: .milliseconds))")
        }
    }

    /// The API calls the benchmark makes.
    struct Client: Sendable {
        let apiURL: String
        let key: String
        let runID: String

        func provision(_ index: Int) async throws -> TenantID {
            let body = #"{"externalId":"bench-\#(runID)-\#(index)"}"#
            let answer = try await InvoicesBenchmark.call(.POST, "\(apiURL)/v1/tenants", key: key, body: body, expect: 201)
            let text = String(decoding: answer, as: UTF8.self)
            guard let key = text.range(of: #""id":""#), let end = text[key.upperBound...].firstIndex(of: "\""),
                let uuid = UUID(uuidString: String(text[key.upperBound..<end]))
            else {
                throw ValidationError("POST /v1/tenants answered without an id: \(text.prefix(200))")
            }
            return TenantID(uuid)
        }
    }
}
