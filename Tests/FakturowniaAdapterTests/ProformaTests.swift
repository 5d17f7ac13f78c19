import FakturowniaAdapter
import FakturowniaSandbox
import FolioDomain
import Foundation
import JSONWire
import PaymentsPort
import Testing

/// A proforma for the prepayment, then the VAT invoice made from it with `copy_invoice_from`
/// (§4): under its own `oid`, adopted after a lost answer, refused while the proforma is unpaid.
@Suite struct ProformaTests {
    static func proformaStay(_ id: String) -> OrderDraft {
        var draft = FakturowniaProviderTests.stay(id)
        draft.documentKind = .proforma
        return draft
    }

    @Test func theBodyCopiesTheProformaAndAddsOnlyWhatDiffers() async throws {
        try await FakturowniaProviderTests.Harness.run { harness in
            let order = try await harness.provider.createOrder(Self.proformaStay("inv-9"), shop: harness.shop)
            _ = try await harness.provider.recordPayment(
                PaymentRecord(id: "pay-9", amount: order.amount, currency: "PLN", paidAt: Date()), orderID: order.id, shop: harness.shop)
            let proforma = try await harness.gateway.gateway.invoice(id: try #require(Int64(order.id)), in: harness.account)
            let paidDate = try #require(proforma.paidDate)
            let body = try FakturowniaGateway.vatInvoiceBody(fromProforma: proforma, oid: "inv-9-vat", issueDate: "2026-09-02")
            #expect(
                String(decoding: body.serialized(), as: UTF8.self)
                    == #"{"invoice":{"copy_invoice_from":\#(order.id),"kind":"vat","number":null,"oid":"inv-9-vat","oid_unique":"yes","issue_date":"2026-09-02","status":"paid","paid_date":"\#(paidDate)"}}"#
            )
            // Only a proforma is copied into a VAT invoice.
            let plain = try await harness.provider.createOrder(FakturowniaProviderTests.stay("inv-10"), shop: harness.shop)
            let vat = try await harness.gateway.gateway.invoice(id: try #require(Int64(plain.id)), in: harness.account)
            #expect(throws: FakturowniaGatewayError.self) { try FakturowniaGateway.vatInvoiceBody(fromProforma: vat, oid: "x", issueDate: "2026-09-02") }
        }
    }

    @Test func aPaidProformaBecomesAVATInvoiceOfTheSameAmountUnderItsOwnId() async throws {
        try await FakturowniaProviderTests.Harness.run { harness in
            let proforma = try await harness.provider.createOrder(Self.proformaStay("inv-1"), shop: harness.shop)
            #expect(proforma.documents.number?.hasPrefix("PRO 1/") == true)

            // Unpaid: refused before anything is written.
            let unpaid = await #expect(throws: PaymentError.self) {
                _ = try await harness.provider.issueTaxInvoice(fromProforma: proforma.id, merchantOrderID: "inv-1-vat", shop: harness.shop)
            }
            #expect(unpaid?.providerCode == "proforma_not_paid")
            #expect(await harness.gateway.requests("POST", "/invoices.json", prefix: "hotel").count == 1)

            _ = try await harness.provider.recordPayment(
                PaymentRecord(id: "pay-1", amount: proforma.amount, currency: "PLN", paidAt: Date()), orderID: proforma.id, shop: harness.shop)
            let vat = try await harness.provider.issueTaxInvoice(fromProforma: proforma.id, merchantOrderID: "inv-1-vat", shop: harness.shop)
            #expect(vat.id != proforma.id)
            #expect(vat.merchantOrderID == "inv-1-vat")
            #expect(vat.status == .completed)
            #expect(vat.amount == proforma.amount)
            #expect(vat.lines == proforma.lines)
            #expect(vat.documents.number?.hasPrefix("FV 1/") == true)
            let stored = try await harness.gateway.gateway.invoice(id: try #require(Int64(vat.id)), in: harness.account)
            #expect(stored.kind == "vat")
            #expect(stored.fromInvoiceID == Int64(proforma.id))

            // Asked again (a retry that never saw the answer): found by its oid first and adopted; nothing more is posted.
            let posts = await harness.gateway.requests("POST", "/invoices.json", prefix: "hotel").count
            let again = try await harness.provider.issueTaxInvoice(fromProforma: proforma.id, merchantOrderID: "inv-1-vat", shop: harness.shop)
            #expect(again.id == vat.id)
            #expect(await harness.gateway.requests("POST", "/invoices.json", prefix: "hotel").count == posts)
            // Another document holding that oid is not taken for it.
            let error = await #expect(throws: PaymentError.self) {
                _ = try await harness.provider.issueTaxInvoice(fromProforma: proforma.id, merchantOrderID: "inv-1", shop: harness.shop)
            }
            guard case .existingOrderDiffers(let orderID, _)? = error else {
                Issue.record("the proforma was taken for its VAT invoice: \(String(describing: error))")
                return
            }
            #expect(orderID == proforma.id)
            #expect(await harness.gateway.sandbox.state.invoiceIDs(prefix: "hotel", oid: "inv-1-vat").count == 1)
        }
    }

    @Test func aLostAnswerIsFoundByItsOid() async throws {
        try await FakturowniaProviderTests.Harness.run { harness in
            let proforma = try await harness.provider.createOrder(Self.proformaStay("inv-2"), shop: harness.shop)
            _ = try await harness.provider.recordPayment(
                PaymentRecord(id: "pay-2", amount: proforma.amount, currency: "PLN", paidAt: Date()), orderID: proforma.id, shop: harness.shop)
            await harness.gateway.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: "invoices.json"))
            let vat = try await harness.provider.issueTaxInvoice(fromProforma: proforma.id, merchantOrderID: "inv-2-vat", shop: harness.shop)
            #expect(vat.merchantOrderID == "inv-2-vat")
            #expect(await harness.gateway.sandbox.state.invoiceIDs(prefix: "hotel", oid: "inv-2-vat") == [try #require(Int(vat.id))])
            let lookups = await harness.gateway.requests("GET", "/invoices.json", prefix: "hotel")
            #expect(lookups.contains { $0.redactedQuery.contains("oid=inv-2-vat") })
        }
    }

    @Test func theTaxInvoicesIdNamesItsInvoiceAndNoOtherIdDoes() {
        let invoiceID = UUID()
        let merchantOrderID = OrderDocumentKind.taxInvoiceMerchantOrderID(of: invoiceID)
        #expect(merchantOrderID == invoiceID.uuidString.lowercased() + "-vat")
        #expect(OrderDocumentKind.invoiceID(ofTaxInvoice: merchantOrderID) == invoiceID)
        #expect(OrderDocumentKind.invoiceID(ofTaxInvoice: invoiceID.uuidString.lowercased()) == nil)
        #expect(OrderDocumentKind.invoiceID(ofTaxInvoice: "res-1-vat") == nil)
    }
}
