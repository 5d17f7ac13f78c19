import FolioApp
import Logging
import Testing

@Suite struct DeferredMetadataLogHandlerTests {
    @Test func aLinesOwnMetadataWinsOverTheProvidersWhichWinsOverTheLoggers() {
        let merged = DeferredMetadataLogHandler.lineMetadata(
            logger: ["request.id": "r1", "tenant": "logger", "shop": "logger"],
            provided: ["tenant": "provided", "trace": "provided"],
            line: ["shop": "line"]
        )
        #expect(merged == ["request.id": "r1", "tenant": "provided", "trace": "provided", "shop": "line"])
    }

    @Test func withNothingProvidedTheLoggersMetadataIsTheLines() {
        #expect(DeferredMetadataLogHandler.lineMetadata(logger: ["request.id": "r1"], provided: nil, line: nil) == ["request.id": "r1"])
    }

    @Test func metadataAndLevelSetOnALoggerAreKept() {
        var logger = Logger(label: "folio.test") { DeferredMetadataLogHandler(label: $0, metadataProvider: nil) }
        logger.logLevel = .debug
        logger[metadataKey: "request.id"] = "r1"
        #expect(logger.logLevel == .debug)
        #expect(logger[metadataKey: "request.id"] == "r1")
        #expect(logger.handler.metadata == ["request.id": "r1"])
    }
}
