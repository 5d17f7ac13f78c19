import AsyncHTTPClient
import FakturowniaAdapter
import FakturowniaSandbox
import FolioDomain
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Invoices: create, read, find by oid, list, delete, e-mail, status and public links (§4–§7).
@Suite struct InvoiceGatewayTests {
    @Test func aCreatedInvoiceComesBackWithExactAmounts() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let invoice = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1", lodging: 43_201, breakfast: 4_999), in: account)
            #expect(invoice.kind == "vat")
            #expect(invoice.oid == "res-1")
            #expect(invoice.knownStatus == .issued)
            #expect(invoice.number?.hasPrefix("FV 1/") == true)
            #expect(invoice.currency == "PLN")
            #expect(invoice.paymentTo == "2030-01-15")
            #expect(invoice.buyerName == "Jan Kowalski")
            #expect(invoice.totalGross == MinorUnits(48_200))
            #expect(invoice.paid == .zero)
            #expect(invoice.positions.map(\.totalGross) == [MinorUnits(43_201), MinorUnits(4_999)])
            #expect(invoice.positions.map(\.tax) == ["8", "23"])
            #expect(!invoice.token.isEmpty)
            let read = try await harness.gateway.invoice(id: invoice.id, in: account)
            #expect(read == invoice)
        }
    }

    @Test func aCompanyBuyerWithNIPAndExemptRatesOnAProforma() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let draft = FakturowniaInvoiceDraft(
                kind: .proforma, oid: "res-2",
                buyer: FakturowniaBuyer(.company(name: "Firma Sp. z o.o.", taxNumber: "5252248481"), email: "biuro@firma.example"),
                positions: [
                    FakturowniaPositionDraft(name: "Sala", tax: .exempt, totalGross: MinorUnits(100_000)),
                    FakturowniaPositionDraft(name: "Opłata", tax: .notSubject, totalGross: MinorUnits(1)),
                    FakturowniaPositionDraft(name: "Parking", tax: .rate5, totalGross: MinorUnits(1_050)),
                    FakturowniaPositionDraft(name: "Eksport", tax: .rate0, totalGross: MinorUnits(10)),
                ], currency: "EUR")
            let invoice = try await harness.gateway.createInvoice(draft, in: account)
            #expect(invoice.kind == "proforma")
            #expect(invoice.number?.hasPrefix("PRO 1/") == true)
            #expect(invoice.currency == "EUR")
            #expect(invoice.positions.map(\.tax) == ["zw", "np", "5", "0"])
            #expect(invoice.totalGross == MinorUnits(101_061))
            #expect(invoice.buyerName == "Firma Sp. z o.o.")
        }
    }

    @Test func anInvoiceIsFoundByItsOidAndAnUnknownOidIsNil() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let created = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-7"), in: account)
            _ = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-8"), in: account)
            #expect(try await harness.gateway.invoice(oid: "res-7", in: account)?.id == created.id)
            #expect(try await harness.gateway.invoice(oid: "res-9", in: account) == nil)
        }
    }

    @Test func pagesListEveryInvoiceMostRecentlyChangedFirst() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            var ids: [Int64] = []
            for index in 1...3 {
                ids.append(try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-\(index)"), in: account).id)
                try await Task.sleep(for: .milliseconds(5))
            }
            try await harness.gateway.changeStatus(id: ids[0], to: .sent, in: account)
            let first = try await harness.gateway.invoices(page: 1, perPage: 2, in: account)
            let second = try await harness.gateway.invoices(page: 2, perPage: 2, in: account)
            #expect(first.map(\.id) == [ids[0], ids[2]])
            #expect(second.map(\.id) == [ids[1]])
            #expect(try await harness.gateway.invoices(page: 3, perPage: 2, in: account).isEmpty)
            let query = try #require(await harness.requests("GET", "/invoices.json", prefix: "hotel").first?.redactedQuery)
            for part in ["period=all", "order=updated_at.desc", "per_page=2", "page=1"] { #expect(query.contains(part)) }
        }
    }

    @Test func aPageSizeOver100IsRefusedBeforeSending() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            await #expect(throws: FakturowniaGatewayError.invalidRequest(reason: "per_page must be between 1 and 100")) {
                _ = try await harness.gateway.invoices(page: 1, perPage: 101, in: account)
            }
            #expect(await harness.requests("GET", "/invoices.json", prefix: "hotel").isEmpty)
        }
    }

    @Test func aDeletedInvoiceIsNotFound() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let invoice = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            try await harness.gateway.deleteInvoice(id: invoice.id, in: account)
            await #expect(throws: FakturowniaGatewayError.notFound(message: "Not Found")) {
                _ = try await harness.gateway.invoice(id: invoice.id, in: account)
            }
        }
    }

    @Test func sendingByEmailReachesTheAddressesAndARefusalInside200IsAnError() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let invoice = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            try await harness.gateway.sendByEmail(id: invoice.id, to: ["guest@guest.example"], attachPDF: true, in: account)
            let emails = await harness.sandbox.state.emails
            #expect(emails.map(\.to) == [["guest@guest.example"]])
            #expect(emails.first?.withPDF == true)
            #expect(try await harness.gateway.invoice(id: invoice.id, in: account).knownStatus == .sent)

            await harness.sandbox.state.updateConfiguration { $0.sendByEmailRefused = true }
            let error = await #expect(throws: FakturowniaGatewayError.self) {
                try await harness.gateway.sendByEmail(id: invoice.id, in: account)
            }
            #expect(error == .actionRefused(message: "Nie można wysłać faktury e-mailem przed nadaniem numeru KSeF"))
            #expect(await harness.sandbox.state.emails.count == 1)
        }
    }

    @Test func aStatusChangeIsStored() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let invoice = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            try await harness.gateway.changeStatus(id: invoice.id, to: .paid, in: account)
            let paid = try await harness.gateway.invoice(id: invoice.id, in: account)
            #expect(paid.knownStatus == .paid)
            #expect(paid.paid == invoice.totalGross)
        }
    }

    @Test func thePublicLinksOpenWithoutAToken() async throws {
        try await GatewayHarness.run { harness in
            let account = try await harness.openAccount("hotel")
            let invoice = try await harness.gateway.createInvoice(GatewayHarness.draft(oid: "res-1"), in: account)
            let view = harness.gateway.publicViewURL(of: invoice, in: account)
            let pdf = harness.gateway.publicPDFURL(of: invoice, in: account)
            #expect(view.absoluteString == "\(harness.origin.absoluteString)/hotel/invoice/\(invoice.token)")
            #expect(!view.absoluteString.contains("api_token"))
            let page = try await HTTPClient.shared.execute(HTTPClientRequest(url: view.absoluteString), timeout: .seconds(5))
            #expect(page.status.code == 200)
            let document = try await HTTPClient.shared.execute(HTTPClientRequest(url: pdf.absoluteString), timeout: .seconds(5))
            #expect(document.status.code == 200)
            let bytes = try await document.body.collect(upTo: 1 << 20)
            #expect(String(buffer: bytes).hasPrefix("%PDF"))
        }
    }

    @Test func amountsAreReadExactlyFromTheProvidersStrings() {
        #expect(FakturowniaAmount.minorUnits("123.00") == MinorUnits(12_300))
        #expect(FakturowniaAmount.minorUnits("12.3") == MinorUnits(1_230))
        #expect(FakturowniaAmount.minorUnits("0,00") == MinorUnits(0))
        #expect(FakturowniaAmount.minorUnits("0.29") == MinorUnits(29))
        #expect(FakturowniaAmount.minorUnits("1000000.07") == MinorUnits(100_000_007))
        #expect(FakturowniaAmount.minorUnits("-5") == MinorUnits(-500))
        #expect(FakturowniaAmount.minorUnits("1.005") == nil)
        #expect(FakturowniaAmount.minorUnits("abc") == nil)
    }
}
