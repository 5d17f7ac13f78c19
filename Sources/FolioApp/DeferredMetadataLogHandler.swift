import Logging

/// Writes the lines `StreamLogHandler` writes to standard error, but formats the logger's
/// metadata only when a line is written. `StreamLogHandler` formats all of it again on every
/// change, and each request sets its request id on the logger it carries: that cost every
/// request a sort and a string, for lines that the default level mostly never writes.
package struct DeferredMetadataLogHandler: LogHandler {
    private var lines: StreamLogHandler
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?

    package init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.init(lines: StreamLogHandler.standardError(label: label, metadataProvider: nil), metadataProvider: metadataProvider)
    }

    /// Writes to `stream` rather than standard error.
    package init(label: String, stream: any TextOutputStream & Sendable, metadataProvider: Logger.MetadataProvider?) {
        self.init(lines: StreamLogHandler(label: label, stream: stream, metadataProvider: nil), metadataProvider: metadataProvider)
    }

    /// `lines` gets everything as the line's own metadata, already merged, so it has no
    /// provider of its own.
    private init(lines: StreamLogHandler, metadataProvider: Logger.MetadataProvider?) {
        self.lines = lines
        self.metadataProvider = metadataProvider
    }

    package var logLevel: Logger.Level {
        get { lines.logLevel }
        set { lines.logLevel = newValue }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var event = event
        event.metadata = Self.lineMetadata(logger: metadata, provided: metadataProvider?.get(), line: event.metadata)
        lines.log(event: event)
    }

    /// The precedence `StreamLogHandler` gives them: the line's own over the provider's over
    /// the logger's.
    package static func lineMetadata(logger: Logger.Metadata, provided: Logger.Metadata?, line: Logger.Metadata?) -> Logger.Metadata {
        var merged = logger
        if let provided { merged.merge(provided) { _, provided in provided } }
        if let line { merged.merge(line) { _, line in line } }
        return merged
    }
}
