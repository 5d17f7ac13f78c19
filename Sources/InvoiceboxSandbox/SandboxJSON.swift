import Foundation

/// The provider's envelopes (invoicebox-api.md §4.1).
enum SandboxJSON {
    static func envelope(_ data: Any) -> Data {
        serialize(["data": data, "extendedData": [Any]()])
    }

    static func collection(_ items: [Any], totalCount: Int?, page: Int, pageSize: Int, nullError: Bool = false) -> Data {
        var metaData: [String: Any] = ["pageSize": pageSize, "page": page]
        if let totalCount { metaData["totalCount"] = totalCount }
        var object: [String: Any] = [
            "data": items,
            "metaData": metaData,
            "extendedData": [Any](),
        ]
        if nullError { object["error"] = NSNull() }
        return serialize(object)
    }

    /// `fields` as the documented array of `{name, code, message}`, or, with `fieldsAsObject`, as
    /// an object keyed by the field's name: the reference has seen the array only in one fixture.
    static func error(_ error: SandboxError, fieldsAsObject: Bool = false) -> Data {
        let fields: Any =
            fieldsAsObject
            ? Dictionary(error.fields.map { ($0, ["code": "wrong_value", "message": ""]) }, uniquingKeysWith: { first, _ in first })
            : error.fields.map { ["name": $0, "code": "wrong_value", "message": ""] }
        return serialize(["error": ["message": error.message, "code": error.code, "fields": fields]])
    }

    static func serialize(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8)
    }
}

/// The filter, sort and paging grammar of the `/filter/api/...` endpoints (invoicebox-api.md §9.5).
struct FilterQuery {
    enum Operator: String {
        case eq = "_eq"
        case ne = "_ne"
        case gt = "_gt"
        case ge = "_ge"
        case lt = "_lt"
        case le = "_le"
        case start = "_start"
        case anyOf
    }

    var conditions: [(field: String, op: Operator, values: [String])] = []
    var order: [(field: String, ascending: Bool)] = []
    var page = 1
    var pageSize = 30
    /// The most rows a page holds whatever `pageSize` asks; 0 for no limit.
    var maximumPageSize = 0
    /// Whether `metaData` carries `totalCount`.
    var reportsTotalCount = true

    /// Parses a raw query string. `+` reads as a space, as form decoding does, so a client that
    /// leaves the `+` of a time zone offset unencoded finds out.
    init(rawQuery: String) throws(SandboxError) {
        var lists: [String: [String]] = [:]
        var listOrder: [String] = []
        for pair in rawQuery.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(String(parts[0]))
            let value = parts.count > 1 ? Self.decode(String(parts[1])) : ""
            switch name {
            case "page", "_page":
                guard let number = Int(value), number >= 1 else { throw .invalid("validation_error", field: name, message: "invalid page") }
                page = number
            case "pageSize", "_pageSize":
                guard let number = Int(value), (1...1000).contains(number) else {
                    throw .invalid("validation_error", field: name, message: "invalid page size")
                }
                pageSize = number
            case "_order":
                // `_order=createdAt:desc` is refused by the live API.
                throw .invalid("validation_error", field: "_order", message: "use _order[property]=asc|desc")
            default:
                if name.hasPrefix("_order[") && name.hasSuffix("]") {
                    let field = String(name.dropFirst(7).dropLast())
                    guard value == "asc" || value == "desc" else { throw .invalid("validation_error", field: name, message: "asc or desc") }
                    order.append((field, value == "asc"))
                } else if let open = name.firstIndex(of: "["), name.hasSuffix("]") {
                    let field = String(name[..<open])
                    let inner = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
                    if inner.isEmpty || Int(inner) != nil {
                        if lists[field] == nil { listOrder.append(field) }
                        lists[field, default: []].append(value)
                    } else if let op = Operator(rawValue: inner) {
                        conditions.append((field, op, [value]))
                    } else {
                        throw .invalid("validation_error", field: name, message: "unknown operator")
                    }
                } else {
                    if lists[name] == nil { listOrder.append(name) }
                    lists[name, default: []].append(value)
                }
            }
        }
        for field in listOrder {
            let values = lists[field] ?? []
            conditions.append((field, values.count == 1 ? .eq : .anyOf, values))
        }
    }

    static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }

    /// The query as the sandbox's settings answer it: the page size clamped, the total left out.
    func listed(by configuration: SandboxConfiguration) -> FilterQuery {
        var query = self
        query.maximumPageSize = configuration.maximumPageSize
        query.reportsTotalCount = !configuration.omitsTotalCount
        if configuration.pagingSpelling == .neither {
            query.page = 1
            query.pageSize = 30
        }
        return query
    }

    /// The page of `objects` the query asks for; `respelled` rewrites each row that is sent,
    /// after the filter and the sort have read it as stored.
    func page(of objects: [[String: Any]], respelled: ([String: Any]) -> [String: Any] = { $0 }, nullError: Bool = false) throws(SandboxError) -> Data {
        var matching = objects.filter { object in conditions.allSatisfy { matches(object[$0.field], $0.op, $0.values) } }
        let keys = order.isEmpty ? [("createdAt", false)] : order
        matching.sort { left, right in
            for (field, ascending) in keys {
                let comparison = Self.compare(left[field], right[field])
                if comparison != 0 { return ascending ? comparison < 0 : comparison > 0 }
            }
            return (left["id"] as? String ?? "") < (right["id"] as? String ?? "")
        }
        let pageSize = maximumPageSize > 0 ? min(pageSize, maximumPageSize) : pageSize
        let start = min((page - 1) * pageSize, matching.count)
        let slice = Array(matching[start..<min(start + pageSize, matching.count)])
        return SandboxJSON.collection(
            slice.map(respelled), totalCount: reportsTotalCount ? matching.count : nil, page: page, pageSize: pageSize, nullError: nullError)
    }

    private func matches(_ value: Any?, _ op: Operator, _ expected: [String]) -> Bool {
        let text = Self.text(value)
        switch op {
        case .eq: return text == expected[0] || Self.compare(value, expected[0]) == 0 && text != nil
        case .anyOf: return expected.contains { text == $0 }
        case .ne: return text != expected[0]
        case .start: return text?.hasPrefix(expected[0]) ?? false
        case .gt: return text != nil && Self.compare(value, expected[0]) > 0
        case .ge: return text != nil && Self.compare(value, expected[0]) >= 0
        case .lt: return text != nil && Self.compare(value, expected[0]) < 0
        case .le: return text != nil && Self.compare(value, expected[0]) <= 0
        }
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    /// Numbers compare as numbers, timestamps as instants (with or without an offset), the rest as text.
    static func compare(_ left: Any?, _ right: Any?) -> Int {
        guard let leftText = text(left), let rightText = text(right) else { return text(left) == nil ? (text(right) == nil ? 0 : -1) : 1 }
        // The sandbox's own timestamps are all UTC in one format: their text sorts by time.
        if leftText.count == rightText.count, leftText.hasSuffix("+00:00"), rightText.hasSuffix("+00:00") {
            return leftText < rightText ? -1 : (leftText > rightText ? 1 : 0)
        }
        if let a = Double(leftText), let b = Double(rightText) { return a < b ? -1 : (a > b ? 1 : 0) }
        if let a = date(leftText), let b = date(rightText) { return a < b ? -1 : (a > b ? 1 : 0) }
        return leftText < rightText ? -1 : (leftText > rightText ? 1 : 0)
    }

    static func date(_ text: String) -> Date? {
        if let date = OrderValidation.date(text) { return date }
        // Filter examples pass timestamps without an offset; read them as UTC.
        return OrderValidation.date(text + "+00:00")
    }
}
