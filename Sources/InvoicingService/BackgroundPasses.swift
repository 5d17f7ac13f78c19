import Logging
import ServiceLifecycle

/// Runs a background job's passes until graceful shutdown or cancellation. A pass that fails is
/// logged by its error's type only (errors may quote data) and the job goes on.
///
/// - Parameters:
///   - pause: the wait after a pass; with `onlyWhenIdle`, only after a pass that handled nothing,
///     so that a backlog is worked through without waiting.
///   - pass: one pass; returns how many items it handled.
package func runPasses(
    pausing pause: Duration,
    onlyWhenIdle: Bool = false,
    logger: Logger,
    failure: Logger.Message,
    _ pass: @escaping @Sendable () async throws -> Int
) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            var handled = 0
            do {
                handled = try await pass()
            } catch {
                logger.warning(failure, metadata: ["error": "\(String(describing: type(of: error)))"])
            }
            if !onlyWhenIdle || handled == 0 {
                try? await Task.sleep(for: pause)
            }
        }
    }
}
