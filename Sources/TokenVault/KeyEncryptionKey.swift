import Crypto
import Foundation

/// A key-encryption key (KEK): wraps the data keys of vault records and never touches the database.
package struct KeyEncryptionKey: Sendable, CustomStringConvertible, CustomReflectable {
    package let id: String
    /// Kept as bytes because `SymmetricKey` is not `Sendable`; turned into a key where it is used.
    private let material: Data

    package init(id: String, material: Data) {
        self.id = id
        self.material = material
    }

    var key: SymmetricKey { SymmetricKey(data: material) }

    package var description: String { "KeyEncryptionKey(\(id), redacted)" }
    package var customMirror: Mirror { Mirror(self, children: ["id": id], displayStyle: .struct) }

    /// Parses `id:base64` entries separated by commas (the form of `FOLIO_VAULT_KEYS`); the first
    /// entry is the active key. Problems name the entry or the key id, never key material.
    package static func parseList(_ value: String) -> Result<[KeyEncryptionKey], KeyListError> {
        var keys: [KeyEncryptionKey] = []
        var problems: [String] = []
        for (index, entry) in value.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let entry = entry.trimmingCharacters(in: .whitespaces)
            let position = "entry \(index + 1)"
            guard let colon = entry.firstIndex(of: ":") else {
                problems.append("\(position) must be id:base64")
                continue
            }
            let id = String(entry[..<colon])
            guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                problems.append("\(position) needs an id of 1 to 64 letters, digits, '-' or '_'")
                continue
            }
            guard let material = Data(base64Encoded: String(entry[entry.index(after: colon)...])) else {
                problems.append("key '\(id)' is not valid base64")
                continue
            }
            guard material.count == 32 else {
                problems.append("key '\(id)' must be exactly 32 bytes, got \(material.count)")
                continue
            }
            guard !keys.contains(where: { $0.id == id }) else {
                problems.append("key id '\(id)' appears twice")
                continue
            }
            keys.append(KeyEncryptionKey(id: id, material: material))
        }
        if keys.isEmpty, problems.isEmpty { problems.append("is empty") }
        return problems.isEmpty ? .success(keys) : .failure(KeyListError(problems: problems))
    }
}

/// Why a list of key-encryption keys was refused.
package struct KeyListError: Error, Equatable {
    package let problems: [String]
}

/// The configured KEKs: the active one wraps new and rotated records; the others only unwrap.
package struct KeyRing: Sendable {
    package let active: KeyEncryptionKey
    let byID: [String: KeyEncryptionKey]

    /// - Parameter keys: the configured keys, the active one first; must not be empty.
    package init?(_ keys: [KeyEncryptionKey]) {
        guard let first = keys.first else { return nil }
        self.active = first
        self.byID = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    package var ids: [String] { Array(byID.keys).sorted() }

    package func key(id: String) -> KeyEncryptionKey? { byID[id] }
}
