import Foundation
import NIOHTTP1
import PaymentsPort

extension InvoiceboxGateway {
    /// The paging query items for a list at `shop`'s provider, in the spelling that provider
    /// honours (invoicebox-api.md §9.5, §19 #3), or in both where that could not be told.
    func pagingItems(page: Int, pageSize: Int, shop: ShopCredentials) async -> [(String, String)] {
        await pagingParameters(for: shop).items(page: page, pageSize: pageSize)
    }

    /// The parameters found by a probe made once per base URL and process.
    func pagingParameters(for shop: ShopCredentials) async -> PagingParameters {
        await transport.configuration.dialects.pagingParameters(for: shop.baseURL) { [self] in
            await probePagingSpelling(shop: shop)
        }
    }

    /// Lists the shop's orders one to a page in each spelling; a spelling is honoured when the
    /// answer's `metaData.pageSize` says 1. Nil when the provider could not be asked (a failure
    /// that says nothing of the spelling), so that a later call probes again.
    private func probePagingSpelling(shop: ShopCredentials) async -> PagingParameters? {
        var honoured: Set<PagingSpelling> = []
        for spelling in PagingSpelling.allCases {
            do {
                let response = try await send(
                    .init(
                        method: .GET, path: "/filter/api/order/order", query: spelling.items(page: 1, pageSize: 1),
                        kind: .read, operation: "paging probe"
                    ),
                    shop: shop
                )
                if response.meta.optionalString("pageSize") == "1" { honoured.insert(spelling) }
            } catch let error as InvoiceboxError {
                // A refusal of the request (400, 422) is the spelling's answer; anything else,
                // including a refused token, is no answer at all.
                guard case .rejected(let status, _, _, _, _) = error, status == 400 || status == 422 else { return nil }
            } catch {
                return nil
            }
        }
        // When both are honoured, the newest official client's spelling is preferred, as the
        // reference advises. When neither answer is conclusive (each reports the provider's
        // default page size, or both are refused), both pairs are sent, as before the probe: a
        // provider that reads either is asked for the same page, and the pages are read by the
        // size and number it echoes.
        if honoured.contains(.underscored) { return .only(.underscored) }
        if honoured.contains(.documented) { return .only(.documented) }
        return .both
    }

    /// Every row of a list, page by page, sorted as `filter` asks. Pages are followed by the
    /// `metaData.pageSize` and `page` the provider echoes, not by what was asked: a provider may
    /// clamp the page size (its default is 30; the official client asks 50 at most) or ignore the
    /// paging names. A full page without a `totalCount` means more to read; a page numbered
    /// otherwise than asked is no answer; and a list longer than `maximumPagesRead` pages is no
    /// answer either, since the rows not read may hold the one sought.
    func allRows(path: String, filter: [(String, String)], operation: String, shop: ShopCredentials) async throws -> [WireObject] {
        var pageSize = Self.pageSizeAsked
        var rows: [WireObject] = []
        var firstPageIDs: [String] = []
        for page in 1...max(1, transport.configuration.maximumPagesRead) {
            let response = try await send(
                .init(
                    method: .GET, path: path, query: filter + (await pagingItems(page: page, pageSize: pageSize, shop: shop)),
                    kind: .read, operation: operation
                ),
                shop: shop
            )
            let pageRows = response.dataList
            let meta = response.meta
            let ids = pageRows.map { $0.optionalString("id") ?? "" }
            if let echoed = meta.optionalString("page") {
                guard Int(echoed) == page else {
                    throw InvoiceboxError.malformedResponse(
                        reason: "page \(echoed) answered for page \(page)", status: response.status, requestID: response.requestID)
                }
            } else if page > 1, !ids.isEmpty, !ids.contains(""), ids == firstPageIDs {
                // No page number, and the first page again: the provider does not page.
                throw InvoiceboxError.malformedResponse(reason: "page \(page) repeats page 1", status: response.status, requestID: response.requestID)
            }
            if page == 1 { firstPageIDs = ids }
            rows += pageRows
            // Without an echoed size, a page is short only if it is shorter than both the size
            // asked and the provider's default.
            let sizeUsed = Int(meta.optionalString("pageSize") ?? "").flatMap { $0 > 0 ? $0 : nil } ?? min(pageSize, Self.providerDefaultPageSize)
            guard pageRows.count >= sizeUsed else { return rows }
            // A total smaller than what was already read is not believed.
            if let total = Int(meta.optionalString("totalCount") ?? ""), total >= rows.count, page * sizeUsed >= total { return rows }
            // The next page is asked in the size the provider used, so that its offset is the
            // same whichever size the provider reads.
            pageSize = sizeUsed
        }
        throw InvoiceboxError.malformedResponse(
            reason: "more than \(transport.configuration.maximumPagesRead) pages to read", status: 200, requestID: nil)
    }

    /// The rows asked per page of `allRows`; the provider may answer fewer.
    static let pageSizeAsked = 100
    /// The page size the provider uses when it reads none (invoicebox-api.md §9.5).
    static let providerDefaultPageSize = 30
}
