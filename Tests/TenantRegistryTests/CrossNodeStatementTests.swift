import Foundation
import Testing

@testable import TenantRegistry

/// Under Citus schema-based sharding each tenant schema lives on one node and the `folio`
/// registry on the coordinator (docs/scaling.md), so a statement that names a tenant table
/// together with a registry table, or two tenant schemas, would have to cross nodes. These tests
/// read every SQL literal in Sources and every tenant migration, and fail on a new crossing.
@Suite struct CrossNodeStatementTests {
    /// Crossings accepted today, each matched by a fragment of its statement.
    static let accepted: [(file: String, fragment: String, reason: String)] = [
        (
            // folio.replicas becomes a reference table, copied to every node, and Citus runs a
            // join of a tenant's table with a reference table on the tenant's node.
            "Sources/InvoicingService/IdempotencyStore.swift", "SELECT 1 FROM folio.replicas AS owner",
            "idempotency claim checks the owner's heartbeat in folio.replicas (a reference table)"
        ),
        (
            // Applied once per schema when reconciliation arrived; on Citus an INSERT … SELECT
            // from a distributed schema into a coordinator table goes through the coordinator.
            "Migrations/tenant/0006_schedule_open_invoices.sql", "INSERT INTO folio.reconciliation_schedule",
            "one-off backfill of the reconciliation queue, already applied"
        ),
        (
            "Migrations/tenant/0008_schedule_created_refunds.sql", "INSERT INTO folio.refund_poll_schedule",
            "one-off backfill of the refund poll queue, already applied"
        ),
    ]

    @Test func noStatementInSourcesOrTenantMigrationsCrossesNodes() throws {
        let root = Self.packageRoot
        var statements: [(file: String, sql: String)] = []
        for file in try Self.files(under: root.appendingPathComponent("Sources"), ending: ".swift") {
            let source = try String(contentsOf: file, encoding: .utf8)
            statements += SQLCrossingCheck.stringLiterals(in: source).map { (Self.relative(file, to: root), $0) }
        }
        for file in try Self.files(under: root.appendingPathComponent("Migrations/tenant"), ending: ".sql") {
            let script = try String(contentsOf: file, encoding: .utf8)
            statements += SQLScript.statements(in: script).map { (Self.relative(file, to: root), $0) }
        }
        #expect(statements.count > 100, "the scan found too few statements to be reading the sources")

        var acceptedSeen = Set<Int>()
        for (file, sql) in statements {
            guard let crossing = SQLCrossingCheck.crossing(in: sql) else { continue }
            if let index = Self.accepted.firstIndex(where: { $0.file == file && sql.contains($0.fragment) }) {
                acceptedSeen.insert(index)
                continue
            }
            Issue.record("\(file): \(crossing) in one statement:\n\(sql)")
        }
        for (index, entry) in Self.accepted.enumerated() where !acceptedSeen.contains(index) {
            Issue.record("allow-list entry no longer matches a crossing statement, remove it: \(entry.file) (\(entry.reason))")
        }
    }

    @Test func flagsATenantTableJoinedWithARegistryTable() {
        let sql = "SELECT i.id FROM invoices AS i JOIN folio.tenant_invoicing AS s ON s.tenant_id = \\(tenant.rawValue)"
        #expect(SQLCrossingCheck.crossing(in: sql) != nil)
        #expect(SQLCrossingCheck.crossing(in: "DELETE FROM refunds WHERE invoice_id IN (SELECT invoice_id FROM folio.events)") != nil)
        let afterComment = "-- the tenant's own rows\nINSERT INTO folio.pending_creations SELECT \\(tenant), id, 'invoice' FROM invoices"
        #expect(SQLCrossingCheck.crossing(in: afterComment) != nil)
    }

    @Test func flagsATableNamedThroughItsTenantSchemaWithARegistryTable() {
        let sql = "SELECT i.id FROM \\(unescaped: schema.table(\"invoices\")) AS i JOIN folio.tenants AS t ON t.id = \\(tenant)"
        #expect(SQLCrossingCheck.crossing(in: sql) != nil)
        let two = "SELECT 1 FROM \\(a.table(\"invoices\")) JOIN \\(b.table(\"refunds\")) USING (id)"
        #expect(SQLCrossingCheck.crossing(in: two) != nil)
        #expect(SQLCrossingCheck.crossing(in: "SELECT request FROM \\(unescaped: schema.table(\"invoices\")) WHERE id = \\(id)") == nil)
    }

    @Test func flagsTwoTenantSchemasInOneStatement() {
        let sql = """
            SELECT count(*) FROM \\(unescaped: quotedIdentifier(a)).invoices
            JOIN \\(unescaped: quotedIdentifier(b)).invoices USING (id)
            """
        #expect(SQLCrossingCheck.crossing(in: sql) != nil)
    }

    @Test func passesSingleNodeStatements() {
        let oneSchemaTwice = """
            SELECT (SELECT count(*) FROM \\(unescaped: quotedIdentifier(schema)).invoices)
                 + (SELECT count(*) FROM \\(unescaped: quotedIdentifier(schema)).refunds)
            """
        #expect(SQLCrossingCheck.crossing(in: oneSchemaTwice) == nil)
        #expect(SQLCrossingCheck.crossing(in: "SELECT id FROM invoices WHERE id = \\(id) FOR UPDATE") == nil)
        #expect(SQLCrossingCheck.crossing(in: "SELECT id FROM folio.tenants t LEFT JOIN folio.api_keys k ON k.tenant_id = t.id") == nil)
        #expect(SQLCrossingCheck.crossing(in: "SELECT set_config('folio.actor', \\(actor), true) FROM invoices") == nil)
    }

    @Test func readsLiteralsWithNestedInterpolationsAndSkipsComments() {
        let source = #"""
            // "SELECT 1 FROM invoices JOIN folio.tenants" in a comment
            let a = "SELECT x FROM t WHERE id = \(id)\(unescaped: locking ? " FOR UPDATE" : "")"
            let b = """
                SELECT 2
                """
            """#
        #expect(
            SQLCrossingCheck.stringLiterals(in: source) == [
                #"SELECT x FROM t WHERE id = \(id)\(unescaped: locking ? " FOR UPDATE" : "")"#, "SELECT 2",
            ])
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func files(under directory: URL, ending suffix: String) throws -> [URL] {
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        var found: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            if url.lastPathComponent.hasSuffix(suffix) { found.append(url) }
        }
        return found.sorted { $0.path < $1.path }
    }

    static func relative(_ file: URL, to root: URL) -> String {
        String(file.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
    }
}

/// Finds the statements that would cross Citus nodes: a tenant table with a `folio.` table, or
/// tables of two different tenant schemas (interpolated schema names).
enum SQLCrossingCheck {
    static let tenantTables = ["invoices", "refunds", "notifications", "idempotency_records", "fulfilments"]

    /// What crosses, or nil for a statement that stays on one node.
    static func crossing(in literal: String) -> String? {
        let sql = normalized(literal)
        guard sql.range(of: #"\b(SELECT|INSERT|UPDATE|DELETE)\b"#, options: .regularExpression) != nil else { return nil }
        let tables = tenantTables.joined(separator: "|")
        let tenantPattern = #"\b(FROM|JOIN|INTO|UPDATE|USING)\s+(SCHEMA\[[^\]]*\]\.)?("# + tables + #")\b"#
        let tenant = matches(of: tenantPattern, in: sql)
        let registry = matches(of: #"\bfolio\.[a-z_]+"#, in: sql)
        let schemas = Set(matches(of: #"SCHEMA\[[^\]]*\]"#, in: sql))
        if schemas.count > 1 { return "tenant schemas \(schemas.sorted().joined(separator: ", "))" }
        if let table = tenant.first, let other = registry.first { return "tenant table (\(table)) with registry table \(other)" }
        return nil
    }

    /// The literal with its SQL comments and string constants removed, interpolations followed by `.` (a
    /// schema) written `SCHEMA[expression]` and every other interpolation written `?`.
    static func normalized(_ literal: String) -> String {
        var out = ""
        var characters = Array(literal)[...]
        while let character = characters.first {
            if character == "\\", characters.dropFirst().first == "(" {
                characters = characters.dropFirst(2)
                var depth = 1
                var expression = ""
                while let next = characters.popFirst() {
                    if next == "(" { depth += 1 }
                    if next == ")" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    expression.append(next)
                }
                let compact = expression.filter { !$0.isWhitespace }
                if let qualified = qualifiedTenantTable(compact) {
                    out += qualified
                } else {
                    out += characters.first == "." ? "SCHEMA[\(compact)]" : "?"
                }
            } else if character == "-", characters.dropFirst().first == "-" {
                while let next = characters.first, next != "\n" { characters = characters.dropFirst() }
            } else if character == "'" {
                characters = characters.dropFirst()
                while let next = characters.popFirst(), next != "'" {}
                out += "''"
            } else {
                out.append(character)
                characters = characters.dropFirst()
            }
        }
        return out
    }

    /// `schema.table("invoices")` (a `TenantSchema` naming one of its tables) as `SCHEMA[schema].invoices`.
    static func qualifiedTenantTable(_ expression: String) -> String? {
        let pattern = #"^(?:unescaped:)?([A-Za-z_][A-Za-z0-9_.]*)\.table\("([a-z_]+)"\)$"#
        guard let expression = expression.firstMatch(of: try! Regex(pattern)),
            let schema = expression.output[1].substring, let table = expression.output[2].substring
        else { return nil }
        return "SCHEMA[\(schema)].\(table)"
    }

    static func matches(of pattern: String, in text: String) -> [String] {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }

    /// The contents of every string literal in a Swift source, interpolations kept as written;
    /// comments and raw strings (`#"…"#`, never SQL here) are skipped.
    static func stringLiterals(in source: String) -> [String] {
        var scanner = LiteralScanner(characters: Array(source))
        return scanner.topLevelLiterals()
    }

    private struct LiteralScanner {
        let characters: [Character]
        var index = 0

        func peek(_ text: String) -> Bool {
            let wanted = Array(text)
            return index + wanted.count <= characters.count && Array(characters[index..<index + wanted.count]) == wanted
        }

        mutating func topLevelLiterals() -> [String] {
            var literals: [String] = []
            while index < characters.count {
                if peek("//") {
                    while index < characters.count, characters[index] != "\n" { index += 1 }
                } else if peek("/*") {
                    while index < characters.count, !peek("*/") { index += 1 }
                    index += 2
                } else if peek("#\"") {
                    index += 1
                    let hashes = "\"#"
                    while index < characters.count, !peek(hashes) { index += 1 }
                    index += 2
                } else if characters[index] == "\"" {
                    literals.append(literal())
                } else {
                    index += 1
                }
            }
            return literals
        }

        /// Reads one literal starting at its opening quote; returns its contents.
        mutating func literal() -> String {
            let multiline = peek("\"\"\"")
            let delimiter = multiline ? "\"\"\"" : "\""
            index += delimiter.count
            let start = index
            while index < characters.count, !peek(delimiter) {
                if characters[index] == "\\" {
                    index += 1
                    if index < characters.count, characters[index] == "(" { skipInterpolation() } else { index += 1 }
                } else {
                    index += 1
                }
            }
            let body = String(characters[start..<min(index, characters.count)])
            index += delimiter.count
            guard multiline else { return body }
            // A multi-line literal's indentation is that of its closing delimiter.
            let lines = body.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            let indentation = lines.last.map { $0.prefix { $0 == " " }.count } ?? 0
            return lines.dropLast().map { String($0.dropFirst(min(indentation, $0.prefix { $0 == " " }.count))) }
                .joined(separator: "\n")
        }

        /// Skips `(…)` after a backslash, with nested parentheses and string literals.
        mutating func skipInterpolation() {
            var depth = 0
            while index < characters.count {
                let character = characters[index]
                if character == "\"" {
                    _ = literal()
                    continue
                }
                if character == "(" { depth += 1 }
                if character == ")" {
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return
                    }
                }
                index += 1
            }
        }
    }
}
