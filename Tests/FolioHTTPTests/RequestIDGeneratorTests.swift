import Foundation
import Testing

@testable import FolioHTTP

@Suite struct RequestIDGeneratorTests {
    @Test func idsAreUUIDShapedLowercaseAndNeverRepeat() {
        let generator = RequestIDGenerator(prefix: 0x0123_4567_89AB_CDEF)
        let ids = (0..<1_000).map { _ in generator.next() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.first == "01234567-89ab-cdef-0000-000000000001")
        #expect(ids.allSatisfy { UUID(uuidString: $0) != nil && $0 == $0.lowercased() })
    }

    @Test func processesDrawDifferentPrefixes() {
        #expect(RequestIDGenerator().next() != RequestIDGenerator().next())
    }
}
