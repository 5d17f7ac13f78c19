/// What a secret is for, as a name the vault binds into the ciphertext (and otherwise ignores).
package struct VaultPurpose: Hashable, Sendable, CustomStringConvertible {
    package let rawValue: String

    /// Lowercase letters, digits, `.`, `_` and `-`, 1 to 64 characters.
    package init?(_ rawValue: String) {
        guard (1...64).contains(rawValue.count),
            rawValue.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) })
        else { return nil }
        self.rawValue = rawValue
    }

    package var description: String { rawValue }
}
