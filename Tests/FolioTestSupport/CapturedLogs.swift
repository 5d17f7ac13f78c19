import Foundation
import Logging
import Synchronization

/// A logger whose every line, metadata included, is kept in memory for assertions.
package final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    package init() {}

    package func logger(label: String) -> Logger {
        var logger = Logger(label: label) { label in Handler(label: label, sink: self) }
        logger.logLevel = .trace
        return logger
    }

    package var text: String {
        lines.withLock { $0.joined(separator: "\n") }
    }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let label: String
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            sink.append("\(event.level) \(label): \(event.message) \(merged)")
        }
    }
}
