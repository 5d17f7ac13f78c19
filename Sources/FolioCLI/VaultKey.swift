import Foundation

/// A key-encryption key of the token vault, from `FOLIO_VAULT_KEYS` (`id:base64`, 32 bytes).
package struct VaultKey: Sendable, Equatable, CustomStringConvertible {
    package let id: String
    package let material: Data

    package var description: String { "VaultKey(\(id), redacted)" }

    /// Parses the comma-separated list; the first key is the active one.
    static func parseList(_ value: String, variable: String) -> Result<[VaultKey], ConfigurationError> {
        var keys: [VaultKey] = []
        var problems: [String] = []
        for (index, entry) in value.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let entry = entry.trimmingCharacters(in: .whitespaces)
            let position = "entry \(index + 1)"
            guard let colon = entry.firstIndex(of: ":") else {
                problems.append("\(variable): \(position) must be id:base64")
                continue
            }
            let id = String(entry[..<colon])
            guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), id.count <= 64 else {
                problems.append("\(variable): \(position) needs an id of letters, digits, '-' or '_'")
                continue
            }
            guard let material = Data(base64Encoded: String(entry[entry.index(after: colon)...])) else {
                problems.append("\(variable): key '\(id)' is not valid base64")
                continue
            }
            guard material.count == 32 else {
                problems.append("\(variable): key '\(id)' must be exactly 32 bytes, got \(material.count)")
                continue
            }
            if keys.contains(where: { $0.id == id }) {
                problems.append("\(variable): key id '\(id)' appears twice")
                continue
            }
            keys.append(VaultKey(id: id, material: material))
        }
        if keys.isEmpty, problems.isEmpty { problems.append("\(variable): is empty") }
        return problems.isEmpty ? .success(keys) : .failure(ConfigurationError(problems: problems))
    }
}
