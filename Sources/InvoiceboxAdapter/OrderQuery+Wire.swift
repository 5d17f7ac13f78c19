import Foundation
import PaymentsPort

extension OrderQuery {
    /// The documented grammar: `field[]=` lists, `[_ge]`/`[_lt]` operators, `_order[field]=`.
    /// Paging is added by the caller in the spelling the provider honours (`pagingItems`).
    var filterItems: [(String, String)] {
        var items: [(String, String)] = statuses.map { ("status[]", $0.rawValue) }
        if let merchantOrderID { items.append(("merchantOrderId", merchantOrderID)) }
        if let createdFrom { items.append(("createdAt[_ge]", WireDate.format(createdFrom))) }
        if let createdBefore { items.append(("createdAt[_lt]", WireDate.format(createdBefore))) }
        items.append(("_order[createdAt]", newestFirst ? "desc" : "asc"))
        return items
    }
}
