/// Settings that stop Folio from starting. Each message names the variable and says what is
/// wrong with it, and never repeats a value, since the value may be a secret.
package struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    package let problems: [String]

    package var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
