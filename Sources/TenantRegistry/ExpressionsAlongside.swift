import PostgresNIO

extension PostgresBindings {
    /// Binds `value` after the bindings already here and returns its placeholder (`$n`): for a
    /// statement composed of parts written in different places, such as common table expressions
    /// that ride on another statement, where string interpolation would number from `$1` again.
    package mutating func placeholder(for value: some PostgresNonThrowingEncodable) -> String {
        append(value)
        return "$\(count)"
    }

    package mutating func placeholder(for value: (some PostgresNonThrowingEncodable)?) -> String {
        guard let value else {
            appendNull()
            return "$\(count)"
        }
        return placeholder(for: value)
    }
}
