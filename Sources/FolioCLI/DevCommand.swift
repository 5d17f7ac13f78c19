import ArgumentParser
import Crypto
import Foundation
import TenantRegistry

/// `folio dev`: `serve` with development defaults, so that a database URL is all it needs.
///
/// A vault key and a platform key are created once under `--state-dir` (mode 0600) and reused on
/// later runs, so tokens stored and keys handed out survive a restart of the development stack.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run Folio for development: migrations applied, a development platform key printed."
    )

    @Option(help: "Where the development keys are kept.")
    var stateDir = ".folio/dev-keys"

    func run() async throws {
        let state = URL(fileURLWithPath: stateDir, isDirectory: true)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var overrides: [String: String] = [:]
        let environment = ProcessInfo.processInfo.environment
        if environment["FOLIO_VAULT_KEYS"]?.isEmpty ?? true {
            let material = try Self.secretFile(state.appendingPathComponent("vault.key")) {
                SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            }
            overrides["FOLIO_VAULT_KEYS"] = "dev:\(material)"
        }
        let platformKey = try Self.secretFile(state.appendingPathComponent("platform.key")) { APIKey.generate().secret }
        let configured = environment["FOLIO_PLATFORM_KEYS"].flatMap { $0.isEmpty ? nil : $0 }
        overrides["FOLIO_PLATFORM_KEYS"] = ([platformKey] + (configured.map { [$0] } ?? [])).joined(separator: ",")

        let configuration = try CommandSupport.loadConfiguration(.server, overrides: overrides)
        CommandSupport.bootstrapLogging(level: configuration.logLevel)
        let base = "http://\(configuration.httpHost):\(configuration.httpPort)"
        try await FolioServer.run(configuration: configuration, migrate: true) {
            // Written straight to the file descriptor: `print` is block-buffered when standard
            // output is a file or a pipe, and the banner would show up only at exit.
            FileHandle.standardOutput.write(Data(
                """

                Folio is running at \(base)
                Development platform key (kept in \(state.path)/platform.key):

                    \(platformKey)

                Try it:
                    export FOLIO_KEY=\(platformKey)
                    curl -s \(base)/health/ready
                    curl -s -X POST \(base)/v1/tenants -H "Authorization: Bearer $FOLIO_KEY" \\
                         -H 'Content-Type: application/json' -d '{"externalId":"hotel-1","displayName":"Hotel One"}'
                    curl -s \(base)/v1/tenants -H "Authorization: Bearer $FOLIO_KEY"

                Stop with Ctrl-C.

                """.utf8
            ))
        }
    }

    /// Reads a one-line secret file, or creates it with owner-only permissions.
    static func secretFile(_ url: URL, create: () -> String) throws -> String {
        if let data = FileManager.default.contents(atPath: url.path),
            let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !text.isEmpty
        {
            return text
        }
        let value = create()
        guard FileManager.default.createFile(atPath: url.path, contents: Data((value + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(url.path)")
        }
        return value
    }
}
