import Foundation
import PaymentsPort

extension OrderQuery {
    /// The documented grammar: `field[]=` lists, `[_ge]`/`[_lt]` operators, `_order[field]=`,
    /// and both paging spellings (the documented one and the one the newest official client uses).
    var queryItems: [(String, String)] {
        var items: [(String, String)] = statuses.map { ("status[]", $0.rawValue) }
        if let merchantOrderID { items.append(("merchantOrderId", merchantOrderID)) }
        if let createdFrom { items.append(("createdAt[_ge]", WireDate.format(createdFrom))) }
        if let createdBefore { items.append(("createdAt[_lt]", WireDate.format(createdBefore))) }
        items.append(("_order[createdAt]", newestFirst ? "desc" : "asc"))
        items.append(("page", String(page)))
        items.append(("pageSize", String(pageSize)))
        items.append(("_page", String(page)))
        items.append(("_pageSize", String(pageSize)))
        return items
    }
}
