/// One field of a request that breaks a rule.
package struct FieldViolation: Hashable, Sendable {
    /// A JSON pointer into the request body, e.g. `/externalId`.
    package let pointer: String
    /// A stable machine code: `too_short`, `too_long`, `invalid_characters`, …
    package let code: String
    package let detail: String

    package init(pointer: String, code: String, detail: String) {
        self.pointer = pointer
        self.code = code
        self.detail = detail
    }

    /// Length is counted in code points, as PostgreSQL's `length` and the provider count it (a
    /// letter with a combining accent is two). Control characters (C0, C1) and the bidirectional
    /// embeddings, overrides and isolates are refused: they make a text read differently in a
    /// panel, a log or a receipt than it is stored. The bidi marks (LRM, RLM, ALM) stay allowed,
    /// since right-to-left names need them.
    package static func checkText(_ value: String, pointer: String, lengths: ClosedRange<Int>) -> [FieldViolation] {
        if let violation = checkLength(value, pointer: pointer, lengths: lengths) { return [violation] }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || isBidiControl($0) }) {
            return [FieldViolation(pointer: pointer, code: "invalid_characters", detail: "must not contain control or bidirectional formatting characters")]
        }
        return []
    }

    /// An identifier (a reservation id, an external id, a SKU) is matched byte for byte, so it
    /// must look like what it is: besides what `checkText` refuses, no invisible characters at all
    /// (format characters such as zero-width spaces, soft hyphens and bidi marks, line and
    /// paragraph separators, and spaces other than the plain one).
    package static func checkIdentifier(_ value: String, pointer: String, lengths: ClosedRange<Int>) -> [FieldViolation] {
        if let violation = checkLength(value, pointer: pointer, lengths: lengths) { return [violation] }
        let invisible = value.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .unassigned, .privateUse, .surrogate: true
            case .spaceSeparator: scalar != " "
            default: false
            }
        }
        if invisible {
            return [FieldViolation(pointer: pointer, code: "invalid_characters", detail: "must not contain control, formatting or invisible characters")]
        }
        return []
    }

    /// U+061C, U+200E, U+200F are marks; U+202A–U+202E embed and override; U+2066–U+2069 isolate.
    private static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    private static func checkLength(_ value: String, pointer: String, lengths: ClosedRange<Int>) -> FieldViolation? {
        let count = value.unicodeScalars.count
        if count < lengths.lowerBound {
            return FieldViolation(pointer: pointer, code: "too_short", detail: "must be at least \(lengths.lowerBound) characters")
        }
        // A code point can take four bytes; the byte cap keeps a value within what an index entry can hold.
        if count > lengths.upperBound || value.utf8.count > lengths.upperBound * 4 {
            return FieldViolation(pointer: pointer, code: "too_long", detail: "must be at most \(lengths.upperBound) characters")
        }
        return nil
    }
}

/// A request whose fields break the rules; carries every violation found.
package struct ValidationFailure: Error, Hashable, Sendable {
    package let violations: [FieldViolation]

    package init(violations: [FieldViolation]) {
        self.violations = violations
    }
}

extension FieldViolation {
    /// A plain e-mail address of at most 100 characters (the provider's limit). The detail
    /// never repeats the value.
    package static func checkEmail(_ value: String, pointer: String) -> FieldViolation? {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            value.count <= 100 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && value.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0 != "<" && $0 != ">" && $0 != "," }
        return valid ? nil : FieldViolation(pointer: pointer, code: "invalid_format", detail: "must be an e-mail address of at most 100 characters")
    }

    /// A code or secret: visible ASCII without spaces, within `lengths`. The detail never
    /// repeats the value, which may be a secret.
    package static func checkToken(_ value: String, pointer: String, lengths: ClosedRange<Int>) -> FieldViolation? {
        guard lengths.contains(value.count) else {
            return FieldViolation(
                pointer: pointer, code: value.count < lengths.lowerBound ? "too_short" : "too_long",
                detail: "must be \(lengths.lowerBound) to \(lengths.upperBound) characters")
        }
        guard value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return FieldViolation(pointer: pointer, code: "invalid_characters", detail: "must be visible ASCII characters without spaces")
        }
        return nil
    }
}
