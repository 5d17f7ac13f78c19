import Foundation

/// Whether the sandbox serves `GET /billing/api/order/order/{id}`, a route only the newest official
/// client uses and the documentation does not list (invoicebox-api.md §9.6, §19 #5).
package enum SandboxSingleOrderRoute: String, Sendable, CaseIterable {
    case served
    /// Answered 404 `not_found`, exactly as an unknown path (or an unknown order) is.
    case absent
    /// Answered 405: the path is served for `PUT` and `DELETE` only.
    case methodNotAllowed = "method-not-allowed"
}

/// Which spelling of the paging parameters the sandbox takes (invoicebox-api.md §9.5, §19 #3).
package enum SandboxPagingSpelling: String, Sendable, CaseIterable {
    /// `page`/`pageSize` and `_page`/`_pageSize` alike.
    case both
    /// Only the documented `page`/`pageSize`; `_page`/`_pageSize` answer 422.
    case documented
    /// Only `_page`/`_pageSize`, as the newest official client sends them; `page`/`pageSize` answer 422.
    case underscored
    /// Neither spelling is read, nor refused: every list answers its first page in the default
    /// size of 30, as a provider whose paging names are a third, unknown pair would.
    case neither

    /// The parameter names this spelling refuses.
    var refusedNames: Set<String> {
        switch self {
        case .both, .neither: []
        case .documented: ["_page", "_pageSize"]
        case .underscored: ["page", "pageSize"]
        }
    }
}

/// One request the sandbox received on the provider's paths, for tests to inspect.
package struct SandboxRequestRecord: Sendable, Equatable {
    package var method: String
    /// The path as received, prefix included (`/v3/filter/api/order/order`).
    package var path: String
    /// The query's parameter names and values, decoded, in the order sent.
    package var query: [SandboxQueryItem]

    package func values(of name: String) -> [String] {
        query.filter { $0.name == name }.map(\.value)
    }
}

package struct SandboxQueryItem: Sendable, Equatable {
    package var name: String
    package var value: String
}

extension SandboxRequestRecord {
    init(method: String, path: String, rawQuery: String) {
        self.method = method
        self.path = path
        self.query = rawQuery.split(separator: "&").filter { !$0.isEmpty }.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return SandboxQueryItem(name: FilterQuery.decode(String(parts[0])), value: parts.count > 1 ? FilterQuery.decode(String(parts[1])) : "")
        }
    }
}
