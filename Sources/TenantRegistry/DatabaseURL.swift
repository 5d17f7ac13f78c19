import Foundation
import NIOSSL
import PostgresNIO

/// `FOLIO_DATABASE_URL`: `postgres://user:password@host:port/database`, with an optional
/// `?host=/socket/dir` for a Unix socket and `?sslmode=disable|prefer|require`.
package struct DatabaseURL: Sendable {
    /// The shared pool's: `max_connections` less the tenants' own connections.
    package let configuration: PostgresClient.Configuration
    /// One pool of all `max_connections`, for what keeps no tenant connections (a one-off command).
    package let singlePoolConfiguration: PostgresClient.Configuration
    /// The same server, user and TLS for one connection of its own, such as the tenants' own.
    package let connectionConfiguration: PostgresConnection.Configuration
    /// Of `max_connections`, how many are each kept for a fixed share of the tenants
    /// (`?tenant_connections=N`; by default 8, or half the maximum when that is less; see
    /// `TenantConnections`). 0 behind a transaction pooler, which hands out its own connections.
    package let tenantConnections: Int
    /// Whether the statements Folio runs most are prepared once per connection
    /// (`?prepared_statements=on|off`, on by default): off behind a transaction pooler that
    /// cannot carry a named statement between transactions, such as PgBouncer before 1.21.
    package let preparesStatements: Bool
    /// The URL without its password, fit for logs and error messages.
    package let redacted: String

    /// The TLS a pool of `PostgresClient` builds from `.makeClientConfiguration()`, for a connection.
    private static func tlsContext(for mode: String) throws(DatabaseURLError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: .makeClientConfiguration())
        } catch {
            throw .malformed(
                "asks for TLS (sslmode=\(mode), the default being prefer), which cannot be set up here: \(error); "
                    + "sslmode=disable for a server reached without it")
        }
    }

    /// `tenant_connections` when the URL does not say, for `max_connections` of `total`: enough
    /// to spread the tenants, while the shared pool keeps at least half.
    package static func defaultTenantConnections(of total: Int) -> Int {
        min(8, total / 2)
    }

    package init(_ string: String) throws(DatabaseURLError) {
        guard let components = URLComponents(string: string),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else {
            throw .malformed("must look like postgres://user:password@host:port/database")
        }
        guard let user = components.user, !user.isEmpty else {
            throw .malformed("names no user")
        }
        // `URLComponents` has already percent-decoded it.
        let password = components.password
        let database = components.path.isEmpty ? nil : String(components.path.dropFirst())
        let port = components.port ?? 5432
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { _, last in last }
        )

        var configuration: PostgresClient.Configuration
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let path = "\(socketDirectory)/.s.PGSQL.\(port)"
            configuration = .init(unixSocketPath: path, username: user, password: password, database: database)
            connectionConfiguration = .init(unixSocketPath: path, username: user, password: password, database: database)
        } else {
            let host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
            let tls: PostgresClient.Configuration.TLS
            let connectionTLS: PostgresConnection.Configuration.TLS
            switch query["sslmode"] ?? "prefer" {
            case "disable": (tls, connectionTLS) = (.disable, .disable)
            case "prefer": (tls, connectionTLS) = (.prefer(.makeClientConfiguration()), .prefer(try Self.tlsContext(for: "prefer")))
            case "require": (tls, connectionTLS) = (.require(.makeClientConfiguration()), .require(try Self.tlsContext(for: "require")))
            default: throw .malformed("sslmode must be disable, prefer or require")
            }
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
            connectionConfiguration = .init(host: host, port: port, username: user, password: password, database: database, tls: connectionTLS)
        }
        // A count that is there but not a count is refused, not read as the default: a typo in
        // the URL must not quietly size the pools.
        let total = try Self.count(query, "max_connections", atLeast: 1) ?? 20
        if let given = query["tenant_connections"] {
            guard let count = Int(given), count >= 0, count < total else {
                throw .malformed("tenant_connections must be a whole number from 0 to \(total - 1) (max_connections - 1)")
            }
            tenantConnections = count
        } else {
            tenantConnections = Self.defaultTenantConnections(of: total)
        }
        let maximum = total - tenantConnections
        configuration.options.maximumConnections = maximum
        // Warm by default: a connection opened under load costs the request that waits for it a
        // TCP and authentication round trip, and a pool that shrinks when idle does it again.
        let minimum = try Self.count(query, "min_connections", atLeast: 0)
        var single = configuration
        single.options.maximumConnections = total
        single.options.minimumConnections = min(minimum ?? total, total)
        singlePoolConfiguration = single
        configuration.options.minimumConnections = min(minimum ?? maximum, maximum)
        self.configuration = configuration
        switch query["prepared_statements"] ?? "on" {
        case "on": preparesStatements = true
        case "off": preparesStatements = false
        default: throw .malformed("prepared_statements must be on or off")
        }

        var shown = components
        if shown.password != nil { shown.password = "***" }
        self.redacted = shown.string ?? "postgres://…"
    }

    /// The whole number `name` gives, `nil` when the URL does not give it.
    private static func count(_ query: [String: String], _ name: String, atLeast lowest: Int) throws(DatabaseURLError) -> Int? {
        guard let given = query[name] else { return nil }
        guard let count = Int(given), count >= lowest else { throw .malformed("\(name) must be a whole number of at least \(lowest)") }
        return count
    }
}

/// Why `FOLIO_DATABASE_URL` (or another database URL) was refused; never contains the password.
package enum DatabaseURLError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)

    package var description: String {
        switch self {
        case .malformed(let reason): "the database URL \(reason)"
        }
    }
}
