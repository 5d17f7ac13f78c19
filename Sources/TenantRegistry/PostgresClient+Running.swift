import PostgresNIO

extension PostgresClient {
    /// Runs the pool as a child of `group` that starts at once, before this returns (when the
    /// caller is not isolated to an actor), so that the caller's first statement finds the pool
    /// running. A statement that leases first still waits for `run()`, but postgres-nio logs a
    /// warning for it, and a log full of those hides the warnings that matter.
    package func run(in group: inout ThrowingTaskGroup<Void, any Error>) {
        group.addImmediateTask { await self.run() }
    }

    /// `run(in:)` for a group whose children cannot throw.
    package func run(in group: inout TaskGroup<Void>) {
        group.addImmediateTask { await self.run() }
    }
}
