import FolioDomain
import PostgresNIO

/// A failed database call as a store reports it to its callers, inside its module's own error:
/// what an operator needs to act (postgres-nio's error code, the SQLSTATE, the constraint) and
/// never the server's message or the statement, which can quote bound values.
package struct DatabaseFailure: Error, Sendable, Equatable, LogSafeError, CustomStringConvertible {
    /// postgres-nio's kind of failure: `server`, `connectionClosed`, `poolClosed`, …
    package let kind: String
    package let sqlState: String?
    package let constraint: String?

    package init(kind: String, sqlState: String? = nil, constraint: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.constraint = constraint
    }

    /// The failure `error` reports, when postgres-nio threw it; a transaction's wrapper counts as
    /// a database failure whatever it wraps, since the transaction did not commit.
    package init?(_ error: any Error) {
        switch error {
        case let error as PSQLError:
            self.init(kind: "\(error.code)", sqlState: error.serverInfo?[.sqlState], constraint: error.serverInfo?[.constraintName])
        case let error as PostgresTransactionError:
            let inner = error.closureError ?? error.commitError ?? error.beginError ?? error.rollbackError
            self = inner.flatMap(DatabaseFailure.init) ?? DatabaseFailure(kind: "transaction")
        default:
            return nil
        }
    }

    package var description: String {
        "database failure \(kind)" + (sqlState.map { ", SQLSTATE \($0)" } ?? "") + (constraint.map { ", constraint \($0)" } ?? "")
    }
}

/// Runs `body`, throwing the error `translate` makes of any database failure in place of
/// postgres-nio's own, so that a store's callers see its module's error and never SQL. Its
/// result may go unused, as that of the statement it wraps may.
@discardableResult
package func translatingDatabaseFailures<Result>(
    into translate: (DatabaseFailure) -> any Error,
    _ body: () async throws -> Result
) async throws -> Result {
    do {
        return try await body()
    } catch {
        throw DatabaseFailure.translated(error, into: translate)
    }
}

extension DatabaseFailure {
    /// `error` itself, or the error `translate` makes of it when it is a database failure: for
    /// stores that already catch some errors of a call and must translate the rest.
    package static func translated(_ error: any Error, into translate: (DatabaseFailure) -> any Error) -> any Error {
        DatabaseFailure(error).map(translate) ?? error
    }
}

/// A module error that may stand for a database failure, so that logs can name its SQLSTATE.
package protocol DatabaseFailureWrapping: Error {
    var databaseFailure: DatabaseFailure? { get }
}
