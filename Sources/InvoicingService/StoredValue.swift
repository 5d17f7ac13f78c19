import FolioDomain

/// A value read back from Folio's own tables that this version does not know: the row was
/// written by something else, and guessing a status for it could move money wrongly.
package struct UnknownStoredValue: Error, Equatable, Sendable, CustomStringConvertible, LogSafeError {
    package let column: String
    package let value: String

    package init(column: String, value: String) {
        self.column = column
        self.value = value
    }

    package var description: String { "\(column) holds \"\(value)\", which this version does not know" }
}

enum StoredValue {
    static func decode<Value: RawRepresentable>(_ type: Value.Type, _ raw: String, column: String) throws(UnknownStoredValue) -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: raw) else { throw UnknownStoredValue(column: column, value: raw) }
        return value
    }
}
