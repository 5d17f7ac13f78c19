import Logging
import PostgresNIO

/// A statement that runs common table expressions written elsewhere (`name AS (…)`) before its
/// own, so that bookkeeping composed in one place rides on a statement written in another and
/// costs no round trip of its own. String interpolation would number the statement's binds from
/// `$1` again; `bound` numbers them after the expressions'.
package struct ExpressionsAlongside {
    package private(set) var binds: PostgresBindings
    /// `WITH`, then the expressions and a comma if there are any: the statement's own expressions follow.
    package let with: String

    package init(_ expressions: PostgresQuery?) {
        binds = expressions?.binds ?? PostgresBindings()
        with = "WITH " + (expressions.map { $0.sql + ", " } ?? "")
    }

    /// Binds `value` after the binds already here and returns its placeholder (`$n`).
    package mutating func bound(_ value: some PostgresNonThrowingEncodable) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    package mutating func bound(_ value: (some PostgresNonThrowingEncodable)?) -> String {
        guard let value else {
            binds.appendNull()
            return "$\(binds.count)"
        }
        return bound(value)
    }

    /// The statement `sql`, written with `with` and `bound`.
    package func query(_ sql: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}

extension PostgresConnection {
    /// Runs expressions meant to ride on another statement as a statement of their own, for a
    /// change that makes that statement unnecessary after all.
    package func run(expressions: PostgresQuery, logger: Logger) async throws {
        try await query(PostgresQuery(unsafeSQL: "WITH \(expressions.sql) SELECT", binds: expressions.binds), logger: logger)
    }
}
