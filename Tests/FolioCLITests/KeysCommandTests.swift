import Foundation
import TenantRegistry
import Testing

@testable import FolioCLI

@Suite struct KeysCommandTests {
    @Test func theListShowsEachKeysMetadataInColumns() throws {
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        let lines = KeysCommand.table([
            APIKeyRecord(
                id: UUID(uuidString: "0F8FAD5B-D9CB-469F-A165-70867728950E")!, tenantID: nil, label: "billing system",
                createdAt: created, lastUsedAt: created.addingTimeInterval(3600), revokedAt: nil),
            APIKeyRecord(
                id: UUID(uuidString: "7D3F7E0C-2F55-4A55-9A43-7B8D5F8C6E11")!, tenantID: nil, label: nil,
                createdAt: created, lastUsedAt: nil, revokedAt: created.addingTimeInterval(7200)),
        ])
        #expect(
            lines == [
                "id                                    created               last used             revoked               label",
                "0f8fad5b-d9cb-469f-a165-70867728950e  2023-11-14T22:13:20Z  2023-11-14T23:13:20Z  -                     billing system",
                "7d3f7e0c-2f55-4a55-9a43-7b8d5f8c6e11  2023-11-14T22:13:20Z  never                 2023-11-15T00:13:20Z",
            ])
    }
}
