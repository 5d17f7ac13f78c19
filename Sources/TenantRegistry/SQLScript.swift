import Foundation

/// Splits a migration file into single statements.
///
/// PostgreSQL's extended query protocol, which postgres-nio uses, takes one statement per message,
/// while a migration file naturally holds several. The splitter understands exactly what can hide a
/// semicolon: quoted strings and identifiers, dollar-quoted bodies and both kinds of comment.
package enum SQLScript {
    package static func statements(in script: String) -> [String] {
        var statements: [String] = []
        var current: [Character] = []
        let characters = Array(script)
        var index = 0

        func flush() {
            let statement = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty, !isOnlyComments(statement) { statements.append(statement) }
            current.removeAll(keepingCapacity: true)
        }

        while index < characters.count {
            let character = characters[index]
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "-" where next == "-":
                // `\r\n` is one Character in Swift, so look for any newline, not just "\n".
                let end = characters[index...].firstIndex(where: \.isNewline) ?? characters.count
                current.append(contentsOf: characters[index..<end])
                index = end
            case "/" where next == "*":
                let end = closingIndex(of: ["*", "/"], in: characters, from: index + 2)
                current.append(contentsOf: characters[index..<end])
                index = end
            case "'", "\"":
                let end = closingIndex(of: [character], in: characters, from: index + 1)
                current.append(contentsOf: characters[index..<end])
                index = end
            case "$":
                if let tag = dollarTag(in: characters, at: index) {
                    let end = closingIndex(of: tag, in: characters, from: index + tag.count)
                    current.append(contentsOf: characters[index..<end])
                    index = end
                } else {
                    current.append(character)
                    index += 1
                }
            case ";":
                flush()
                index += 1
            default:
                current.append(character)
                index += 1
            }
        }
        flush()
        return statements
    }

    /// The index just past the first occurrence of `terminator` at or after `start`, or the end.
    /// A doubled quote inside a quoted string is an escaped quote, and scanning simply continues past it.
    private static func closingIndex(of terminator: [Character], in characters: [Character], from start: Int) -> Int {
        var index = start
        while index + terminator.count <= characters.count {
            if Array(characters[index..<index + terminator.count]) == terminator {
                return index + terminator.count
            }
            index += 1
        }
        return characters.count
    }

    /// A dollar-quote opener such as `$$` or `$body$` starting at `index`, if there is one.
    private static func dollarTag(in characters: [Character], at index: Int) -> [Character]? {
        var end = index + 1
        while end < characters.count, characters[end] == "_" || characters[end].isLetter || characters[end].isNumber {
            end += 1
        }
        guard end < characters.count, characters[end] == "$" else { return nil }
        if end > index + 1, characters[index + 1].isNumber { return nil }  // `$1` is a parameter, not a tag
        return Array(characters[index...end])
    }

    private static func isOnlyComments(_ statement: String) -> Bool {
        statement.split(whereSeparator: \.isNewline).allSatisfy { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty || trimmed.hasPrefix("--")
        }
    }
}
