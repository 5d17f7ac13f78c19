import ArgumentParser
import Foundation
import InvoiceboxSandbox
import NIOHTTP1
import PostgresNIO

/// `folio-bench http-seed`: the tenant `scripts/bench.sh http` lists, made the way a host makes
/// one: provisioned, connected to a sandbox shop and given its invoices, all through Folio's API
/// (wired as `folio serve` wires it, in this process, with the sandbox beside it), so that every
/// row is one Folio wrote. Prints `KEY=VALUE` lines for the script.
struct HTTPSeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-seed",
        abstract: "Provision a tenant, connect it to a sandbox shop and create invoices through the API; print its id and keys."
    )

    @Option(help: "Invoices to create.")
    var invoices = 2000

    @Option(help: "Creates in flight at once.")
    var concurrency = 8

    @OptionGroup var database: BenchmarkDatabase

    func run() async throws {
        let logger = InvoicesBenchmark.quietLogger
        var sandboxConfiguration = SandboxConfiguration.fast
        sandboxConfiguration.requestsPerToken = 0
        let invoices = invoices
        let concurrency = concurrency
        try await Stack.run(
            database: database, connections: concurrency + 4, sandboxConfiguration: sandboxConfiguration, logger: logger
        ) { stack, sandbox, _, apiURL in
            let started = ContinuousClock.now
            let key = stack.platformKey
            let created = try await Self.json(
                InvoicesBenchmark.call(
                    .POST, "\(apiURL)/v1/tenants", key: key, body: #"{"externalId":"bench-http-\#(UUID().uuidString.lowercased())"}"#, expect: 201)
            )
            guard let tenant = created["id"] as? String else { throw ValidationError("the tenant answer has no id") }
            let shop = await sandbox.state.addMerchant()
            _ = try await InvoicesBenchmark.call(
                .PUT, "\(apiURL)/v1/tenants/\(tenant)/invoicing/credentials", key: key,
                body: #"{"merchantId":"\#(shop.id)","token":"\#(shop.token)"}"#, expect: 200
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<concurrency {
                    group.addTask {
                        for index in stride(from: client, to: invoices, by: concurrency) {
                            let body = InvoicesBenchmark.createBody.replacingOccurrences(of: "SZ-77120", with: "SZ-\(index)")
                            _ = try await InvoicesBenchmark.call(.POST, "\(apiURL)/v1/tenants/\(tenant)/invoices", key: key, body: body, expect: 201)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let apiKey = try await Self.json(
                InvoicesBenchmark.call(.POST, "\(apiURL)/v1/tenants/\(tenant)/api-keys", key: key, body: #"{"label":"bench-http"}"#, expect: 201)
            )
            guard let tenantKey = apiKey["key"] as? String else { throw ValidationError("the api-key answer has no key") }
            // Statistics as autovacuum would leave them after a while, so that every run plans alike.
            try await stack.database.query("ANALYZE", logger: logger)
            FileHandle.standardError.write(Data("created \(invoices) invoices through the API in \(Stats.seconds(ContinuousClock.now - started))\n".utf8))
            print("FOLIO_BENCH_TENANT=\(tenant)")
            print("FOLIO_BENCH_TENANT_KEY=\(tenantKey)")
            print("FOLIO_BENCH_VAULT_KEYS=\(Stack.vaultKeyID):\(Stack.vaultKeyMaterial.base64EncodedString())")
        }
    }

    static func json(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError("the answer is not a JSON object")
        }
        return object
    }
}
