/// A secret value (a provider token, a notification key) that cannot leak by accident.
///
/// Every way Swift has of turning a value into text — `description`, `debugDescription`, string
/// interpolation, `dump` and `Mirror`, `Encodable` — yields a redaction marker. The value is read
/// only through `revealed`, whose name makes each use easy to find and review.
package struct Secret: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    package static let redactionMarker = "<redacted>"

    /// The value itself. Use it only where the secret leaves Folio (encryption, a provider request).
    package let revealed: String

    package init(_ value: String) {
        self.revealed = value
    }

    /// At most the last four characters, for a panel that helps people recognise a secret.
    package var lastFour: String {
        revealed.count >= 12 ? String(revealed.suffix(4)) : ""
    }

    package var description: String { Self.redactionMarker }
    package var debugDescription: String { Self.redactionMarker }
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Decodes from a plain JSON string, as it arrives in a request.
    package init(from decoder: any Decoder) throws {
        self.revealed = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the marker, never the value: a secret written into a response, a log payload or a
    /// snapshot shows that it was there and nothing more.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Self.redactionMarker)
    }
}
