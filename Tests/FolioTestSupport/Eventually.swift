import Testing

/// Polls `condition` until it holds; records an issue, and returns false, if it still does not
/// hold after `timeout`. The one way tests wait for work done in the background.
///
/// The timeout is generous on purpose: it bounds a broken test, it does not measure speed.
@discardableResult
package func eventually(
    _ comment: Comment? = nil,
    timeout: Duration = .seconds(30),
    poll: Duration = .milliseconds(20),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else {
            Issue.record(comment ?? "the condition did not hold within \(timeout)", sourceLocation: sourceLocation)
            return false
        }
        try await Task.sleep(for: poll)
    }
}
