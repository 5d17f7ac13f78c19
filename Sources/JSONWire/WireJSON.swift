import FolioDomain
import Foundation

/// A JSON value written exactly as a provider's API expects it.
///
/// `JSONEncoder` would write money through `Double` (`13740.0`, or `0.30000000000000004`); here a
/// number is kept as the text that goes on the wire, so amounts always carry exactly two fraction
/// digits computed from integer minor units. Object keys keep their order, and `nil` members are
/// left out, as the providers' own SDKs do. Both adapters write their bodies with it.
package enum WireJSON: Equatable, Sendable {
    case object([(String, WireJSON?)])
    case array([WireJSON])
    case string(String)
    /// The literal digits of a JSON number.
    case number(String)
    case bool(Bool)
    case null

    package static func money(_ amount: MinorUnits) -> WireJSON { .number(amount.decimalString) }
    package static func integer(_ value: Int64) -> WireJSON { .number(String(value)) }
    package static func optionalString(_ value: String?) -> WireJSON? { value.map(WireJSON.string) }

    package static func == (lhs: WireJSON, rhs: WireJSON) -> Bool {
        lhs.serialized() == rhs.serialized()
    }

    package func serialized() -> Data {
        var output = ""
        write(into: &output)
        return Data(output.utf8)
    }

    private func write(into output: inout String) {
        switch self {
        case .object(let members):
            output += "{"
            var first = true
            for (key, value) in members {
                guard let value else { continue }
                if !first { output += "," }
                first = false
                Self.writeString(key, into: &output)
                output += ":"
                value.write(into: &output)
            }
            output += "}"
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.write(into: &output)
            }
            output += "]"
        case .string(let string):
            Self.writeString(string, into: &output)
        case .number(let digits):
            output += digits
        case .bool(let value):
            output += value ? "true" : "false"
        case .null:
            output += "null"
        }
    }

    private static func writeString(_ string: String, into output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case let control where control.value < 0x20:
                output += String(format: "\\u%04x", control.value)
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
