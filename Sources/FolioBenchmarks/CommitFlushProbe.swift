import Logging
import PostgresNIO

/// How long a commit waits for its WAL flush on the benchmark's PostgreSQL: the disk's share of
/// every write's latency, which no change to Folio removes. A create commits twice.
enum CommitFlushProbe {
    /// One commit of a transaction that wrote a WAL record, timed from `COMMIT` to its answer.
    static func time(on connection: PostgresConnection, logger: Logger) async throws -> Duration {
        try await connection.query("BEGIN", logger: logger)
        // A transactional WAL record, so that the commit waits for its flush as a write's does.
        try await connection.query("SELECT pg_logical_emit_message(true, 'folio-bench', 'flush')", logger: logger)
        let begin = ContinuousClock.now
        try await connection.query("COMMIT", logger: logger)
        return ContinuousClock.now - begin
    }
}
