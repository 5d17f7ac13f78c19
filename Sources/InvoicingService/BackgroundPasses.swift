import Logging
import ServiceLifecycle

/// Runs a background job's passes until graceful shutdown or cancellation. A pass that fails is
/// logged as `FailureReport` describes it (never an error's text, which may quote data) and the
/// job goes on.
///
/// - Parameters:
///   - pause: the wait after a pass; with `onlyWhenIdle`, only after a pass that handled nothing,
///     so that a backlog is worked through without waiting.
///   - clock: the clock the pause is measured on; a manual one lets a test step the job.
///   - operation: the job, as a failed pass's log line and `folio_provider_failures_total` name it.
///   - pass: one pass; returns how many items it handled.
package func runPasses(
    pausing pause: Duration,
    onlyWhenIdle: Bool = false,
    clock: any Clock<Duration> = ContinuousClock(),
    logger: Logger,
    operation: String = "job.pass",
    failure: Logger.Message,
    _ pass: @escaping @Sendable () async throws -> Int
) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            var handled = 0
            do {
                handled = try await pass()
            } catch {
                FailureReport.record(error, failure, operation: operation, logger: logger)
            }
            if !onlyWhenIdle || handled == 0 {
                try? await clock.sleep(for: pause)
            }
        }
    }
}
