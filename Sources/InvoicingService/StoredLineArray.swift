import PostgresNIO

/// The lines of a refund or a fulfilment as one JSON array in the database.
struct StoredLineArray<Line: Codable & Sendable>: Codable, PostgresCodable {
    var lines: [Line]

    init(_ lines: [Line]) {
        self.lines = lines
    }

    init(from decoder: any Decoder) throws {
        lines = try decoder.singleValueContainer().decode([Line].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(lines)
    }
}
