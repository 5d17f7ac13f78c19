import Foundation

extension Process {
    /// Starts the process and returns its exit status once it ends. Awaited, not waited for: a
    /// blocking wait (or a blocking read of a pipe) would hold one of the few threads that all of
    /// the process's concurrent work shares, such as a server under measurement or other tests.
    package func runToExit() async throws -> Int32 {
        try await withCheckedThrowingContinuation { exited in
            terminationHandler = { exited.resume(returning: $0.terminationStatus) }
            do {
                try run()
            } catch {
                exited.resume(throwing: error)
            }
        }
    }
}
