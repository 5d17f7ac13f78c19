import FolioApp
import Logging
import Synchronization
import Testing

@Suite struct DeferredMetadataLogHandlerTests {
    /// Keeps what is written, without the leading timestamp.
    final class Lines: TextOutputStream, Sendable {
        private let written = Mutex<[String]>([])
        var all: [String] { written.withLock { $0 } }

        func write(_ string: String) {
            guard let space = string.firstIndex(of: " ") else { return }
            written.withLock { $0.append(String(string[string.index(after: space)...])) }
        }
    }

    struct Failure: Error {}

    /// The same calls on a logger, whatever its handler.
    static func exercise(_ logger: Logger) {
        var logger = logger
        logger.info("bare")
        logger[metadataKey: "request.id"] = "r1"
        logger[metadataKey: "tenant"] = "from-logger"
        logger.info("with the logger's metadata")
        logger.warning("with the line's own", metadata: ["tenant": "from-line", "shop": "s1"])
        logger.error("with an error", error: Failure())
        logger.debug("below the level")
        logger[metadataKey: "tenant"] = nil
        logger.info("after a removal")
    }

    @Test(arguments: [false, true])
    func itWritesTheLinesStreamLogHandlerWrites(withProvider: Bool) {
        let provider: Logger.MetadataProvider? = withProvider ? Logger.MetadataProvider { ["trace": "t1", "tenant": "from-provider"] } : nil
        let expected = Lines()
        let written = Lines()
        Self.exercise(Logger(label: "folio.test") { StreamLogHandler(label: $0, stream: expected, metadataProvider: provider) })
        Self.exercise(Logger(label: "folio.test") { DeferredMetadataLogHandler(label: $0, stream: written, metadataProvider: provider) })
        #expect(expected.all.count == 5)
        #expect(written.all == expected.all)
    }

    @Test func aLinesOwnMetadataWinsOverTheProvidersWhichWinsOverTheLoggers() {
        let merged = DeferredMetadataLogHandler.lineMetadata(
            logger: ["request.id": "r1", "tenant": "logger", "shop": "logger"],
            provided: ["tenant": "provided", "trace": "provided"],
            line: ["shop": "line"]
        )
        #expect(merged == ["request.id": "r1", "tenant": "provided", "trace": "provided", "shop": "line"])
    }
}
