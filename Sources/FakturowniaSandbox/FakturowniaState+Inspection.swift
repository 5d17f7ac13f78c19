/// What a test reads of the simulated accounts, beside what the control routes show.
extension FakturowniaState {
    /// The URLs of the account's webhooks, sorted.
    package func webhookURLs(prefix: String) -> [String] {
        (accounts[prefix]?.webhooks.values.map(\.url) ?? []).sorted()
    }

    /// The ids of the account's invoices issued under `oid`: one, for a document never made twice.
    package func invoiceIDs(prefix: String, oid: String) -> [Int] {
        (accounts[prefix]?.invoices.values.filter { $0.oid == oid }.map(\.id) ?? []).sorted()
    }

    /// The prefixes of every account but the partner's, sorted.
    package func accountPrefixes() -> [String] {
        accounts.values.filter { !$0.isPartner }.map(\.prefix).sorted()
    }
}

extension FakturowniaState {
    /// The secrets the account's webhooks were registered with: what each delivery echoes.
    package func webhookSecrets(prefix: String) -> [String] {
        (accounts[prefix]?.webhooks.values.map(\.secret) ?? []).sorted()
    }
}

extension FakturowniaState {
    /// The ids of the account's invoices made from the invoice `sourceID` (`copy_invoice_from`).
    package func invoiceIDs(prefix: String, madeFrom sourceID: Int) -> [Int] {
        (accounts[prefix]?.invoices.values.filter { $0.fromInvoiceID == sourceID }.map(\.id) ?? []).sorted()
    }

    /// The kind, status and source document of one of the account's invoices; nil when it has none with this id.
    package func invoiceSummary(prefix: String, id: Int) -> (kind: String, status: String, fromInvoiceID: Int?)? {
        accounts[prefix]?.invoices[id].map { ($0.kind, $0.status, $0.fromInvoiceID) }
    }
}
