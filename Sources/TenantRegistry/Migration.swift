import Crypto
import FolioDomain
import Foundation

/// One numbered SQL file of `Migrations/registry` or `Migrations/tenant`.
package struct Migration: Hashable, Sendable {
    package let version: Int
    /// The file name, e.g. `0001_create_tenants.sql`.
    package let name: String
    package let sql: String
    /// SHA-256 of the file's bytes, lowercase hex; an applied file whose checksum changed is refused.
    package let checksum: String

    package init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).lowercaseHex
    }
}

/// Which set a migration belongs to.
package enum MigrationScope: String, Sendable {
    /// Applied once, to the `folio` schema.
    case registry
    /// Applied to every tenant schema, and to each new one when it is provisioned.
    case tenant
}

/// The registry and tenant migrations, read from a `Migrations/` directory.
package struct MigrationSet: Sendable {
    package let registry: [Migration]
    package let tenant: [Migration]

    package init(registry: [Migration], tenant: [Migration]) {
        self.registry = registry.sorted { $0.version < $1.version }
        self.tenant = tenant.sorted { $0.version < $1.version }
    }

    /// Reads `<directory>/registry/*.sql` and `<directory>/tenant/*.sql`.
    package static func load(from directory: URL) throws(MigrationError) -> MigrationSet {
        MigrationSet(
            registry: try loadScope(.registry, from: directory),
            tenant: try loadScope(.tenant, from: directory)
        )
    }

    private static func loadScope(_ scope: MigrationScope, from directory: URL) throws(MigrationError) -> [Migration] {
        let folder = directory.appendingPathComponent(scope.rawValue, isDirectory: true)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw .unreadableDirectory(folder.path)
        }
        var migrations: [Migration] = []
        var seen: [Int: String] = [:]
        for name in names.sorted() where name.hasSuffix(".sql") {
            guard let version = Int(name.prefix { $0.isNumber }), name.first?.isNumber == true else {
                throw .badFileName(scope: scope, name: name)
            }
            if let other = seen[version] {
                throw .duplicateVersion(scope: scope, version: version, names: [other, name])
            }
            seen[version] = name
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path),
                let sql = String(data: data, encoding: .utf8)
            else {
                throw .unreadableFile(scope: scope, name: name)
            }
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        return migrations
    }
}
