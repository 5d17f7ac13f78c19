import AsyncHTTPClient
import FakturowniaAdapter
import FakturowniaSandbox
import FolioDomain
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PaymentsPort
import Testing

/// Fakturownia behind the provider port, against the simulator over HTTP: orders are VAT
/// invoices found by `oid`, paid by recorded payments, voided by status, and every failure is a
/// `PaymentError`.
@Suite struct FakturowniaProviderTests {
    /// The simulator, a provider over its gateway, and the `hotel` account as a shop.
    struct Harness {
        let gateway: GatewayHarness
        let provider: FakturowniaProvider
        let account: FakturowniaAccountAccess
        let shop: ShopCredentials

        static func run(_ body: @Sendable (Harness) async throws -> Void) async throws {
            try await GatewayHarness.run { gateway in
                let account = try await gateway.openAccount("hotel")
                let shop = ShopCredentials(merchantID: "hotel", token: account.apiToken, baseURL: account.baseURL, provider: .fakturownia)
                try await body(
                    Harness(
                        gateway: gateway, provider: FakturowniaProvider(gateway: gateway.gateway, logger: GatewayHarness.logger), account: account, shop: shop))
            }
        }
    }

    /// 2030-01-07T23:46:40Z: still the 7th in UTC, already the 8th in Warsaw.
    static let expiry = Date(timeIntervalSince1970: 1_894_060_000)

    /// Matched by case: `==` on the raw-representable status would also take an unknown status
    /// spelled `rejected` for `.voided`. A canceled document is voided, Fakturownia's `rejected`.
    static func isCanceled(_ status: ProviderOrderStatus?) -> Bool {
        if case .voided? = status { true } else { false }
    }

    static func line(_ sku: String, _ name: String, quantity: Int64, unitPrice: Int64, _ vatCode: VATCode, measure: String? = nil) -> OrderLine {
        OrderLine(basket: BasketLineRequest(sku: sku, name: name, quantity: quantity, unitPrice: MinorUnits(unitPrice), vatCode: vatCode), measure: measure)
    }

    /// Two nights at 8 % and a breakfast at 23 %: 2 × 216.00 + 49.99 = 481.99 PLN.
    static func stay(_ id: String, customer: OrderCustomer = OrderCustomer(kind: .private, name: "Jan Kowalski", email: "jan@guest.example")) -> OrderDraft {
        OrderDraft(
            merchantOrderID: id, description: "Pobyt 2 noce", currency: .pln, language: "pl", expiresAt: expiry, customer: customer,
            lines: [
                line("night", "Nocleg", quantity: 2, unitPrice: 21_600, .polish8, measure: "noc"),
                line("breakfast", "Śniadanie", quantity: 1, unitPrice: 4_999, .polish23),
            ])
    }

    @Test func aCreatedOrderReadsTheSameByIdAndByMerchantOrderIDWithPublicLinks() async throws {
        try await Harness.run { (harness: Harness) async throws in
            let order = try await harness.provider.createOrder(Self.stay("inv-1"), shop: harness.shop)
            #expect(order.merchantOrderID == "inv-1")
            #expect(order.merchantID == "hotel")
            #expect(order.status == .created)
            #expect(order.amount == MinorUnits(48_199))
            #expect(order.currency == "PLN")
            #expect(order.paidAt == nil)
            // Due on 8 January 2030 in Warsaw, so payable until its end: 2030-01-08T23:00:00Z.
            #expect(order.expirationDate == Date(timeIntervalSince1970: 1_894_143_600))
            let invoice = try await harness.gateway.gateway.invoice(id: try #require(Int64(order.id)), in: harness.account)
            let base = harness.account.baseURL.absoluteString
            #expect(order.paymentURL == "\(base)/invoice/\(invoice.token)")
            #expect(order.documents.viewURL == order.paymentURL)
            #expect(order.documents.pdfURL == "\(base)/invoice/\(invoice.token).pdf")
            #expect(order.documents.number == invoice.number)
            #expect(invoice.number?.hasPrefix("FV 1/") == true)
            #expect(invoice.paymentTo == "2030-01-08")
            #expect(invoice.buyerName == "Jan Kowalski")

            // The public links need no token.
            let pdf = try await HTTPClient.shared.get(url: try #require(order.documents.pdfURL)).get()
            #expect(pdf.status == .ok)
            #expect(pdf.body.map { String(buffer: $0).hasPrefix("%PDF") } == true)

            #expect(try await harness.provider.order(id: order.id, shop: harness.shop) == order)
            #expect(try await harness.provider.order(merchantOrderID: "inv-1", shop: harness.shop) == order)
            #expect(try await harness.provider.order(merchantOrderID: "inv-2", shop: harness.shop) == nil)
            let page = try await harness.provider.listOrders(OrderQuery(statuses: [.created]), shop: harness.shop)
            #expect(page.items == [order])
        }
    }

    @Test func aPolishVATMixIsSentAsGrossLineTotalsAtTheirRates() async throws {
        try await Harness.run { (harness: Harness) async throws in
            let draft = OrderDraft(
                merchantOrderID: "inv-vat", description: "", currency: .pln, expiresAt: Self.expiry,
                customer: OrderCustomer(kind: .legal, name: "Hotel Pod Lipami sp. z o.o.", vatNumber: "PL 526-025-09-95"),
                lines: [
                    Self.line("a", "Usługa 23", quantity: 3, unitPrice: 4_100, .polish23),
                    Self.line("b", "Nocleg 8", quantity: 2, unitPrice: 5_400, .polish8),
                    Self.line("c", "Książka 5", quantity: 1, unitPrice: 10_500, .polish5),
                    Self.line("d", "Eksport 0", quantity: 5, unitPrice: 1_000, .polish0),
                    Self.line("e", "Zwolnione", quantity: 1, unitPrice: 3_000, .polishExempt),
                    Self.line("f", "Nie podlega", quantity: 4, unitPrice: 500, .polishNotSubject),
                ])
            let order = try await harness.provider.createOrder(draft, shop: harness.shop)
            #expect(order.amount == MinorUnits(43_600))
            #expect(order.vatAmount == MinorUnits(3_600))
            let invoice = try await harness.gateway.gateway.invoice(id: try #require(Int64(order.id)), in: harness.account)
            #expect(invoice.positions.map(\.tax) == ["23", "8", "5", "0", "zw", "np"])
            #expect(invoice.positions.map(\.totalGross) == [12_300, 10_800, 10_500, 5_000, 3_000, 2_000].map(MinorUnits.init))
            #expect(invoice.positions.map(\.quantity) == ["3.0", "2.0", "1.0", "5.0", "1.0", "4.0"])
            #expect(invoice.buyerName == "Hotel Pod Lipami sp. z o.o.")
            let sent = await harness.gateway.sandbox.state.requests.filter { $0.method == "POST" && $0.path == "/invoices.json" }
            #expect(sent.count == 1)
        }
    }

    @Test func aRussianVATCodeIsRefusedBeforeAnythingIsSent() async throws {
        try await Harness.run { (harness: Harness) async throws in
            var draft = Self.stay("inv-ru")
            draft.lines[0].basket.vatCode = .twenty
            await #expect(throws: PaymentError.self) { _ = try await harness.provider.createOrder(draft, shop: harness.shop) }
            #expect(await harness.gateway.requests("POST", "/invoices.json", prefix: "hotel").isEmpty)
        }
    }

    @Test func aLostCreateAnswerIsAdoptedByOidWithOneInvoiceOnly() async throws {
        try await Harness.run { (harness: Harness) async throws in
            await harness.gateway.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: "/invoices.json"))
            let order = try await harness.provider.createOrder(Self.stay("inv-lost"), shop: harness.shop)
            #expect(order.merchantOrderID == "inv-lost")
            #expect(order.amount == MinorUnits(48_199))
            #expect(await harness.gateway.requests("POST", "/invoices.json", prefix: "hotel").count == 1)
            // A retry by Folio adopts the same invoice rather than issuing a second.
            let again = try await harness.provider.createOrder(Self.stay("inv-lost"), shop: harness.shop)
            #expect(again.id == order.id)
            let page = try await harness.provider.listOrders(OrderQuery(), shop: harness.shop)
            #expect(page.items.map(\.id) == [order.id])
            #expect(page.totalCount == 1)
        }
    }

    @Test func cancelingVoidsTheInvoiceAndAPaidOneIsNotVoided() async throws {
        try await Harness.run { (harness: Harness) async throws in
            let order = try await harness.provider.createOrder(Self.stay("inv-cancel"), shop: harness.shop)
            let canceled = try await harness.provider.cancelOrder(id: order.id, shop: harness.shop)
            #expect(Self.isCanceled(canceled.status))
            #expect(Self.isCanceled(try await harness.provider.order(id: order.id, shop: harness.shop)?.status))
            #expect(Self.isCanceled(try await harness.provider.cancelOrder(id: order.id, shop: harness.shop).status))
            #expect(await harness.gateway.requests("POST", "/invoices/\(order.id)/change_status.json", prefix: "hotel").count == 1)
            #expect(try await harness.provider.listOrders(OrderQuery(statuses: [.voided]), shop: harness.shop).items.map(\.id) == [order.id])
            #expect(try await harness.provider.listOrders(OrderQuery(statuses: [.created]), shop: harness.shop).items.isEmpty)

            let paid = try await harness.provider.createOrder(Self.stay("inv-paid"), shop: harness.shop)
            _ = try await harness.provider.recordPayment(
                PaymentRecord(id: "pay-1", amount: paid.amount, currency: "PLN", paidAt: Date()), orderID: paid.id, shop: harness.shop)
            let error = await #expect(throws: PaymentError.self) { _ = try await harness.provider.cancelOrder(id: paid.id, shop: harness.shop) }
            #expect(error?.isRefusal == true)
            #expect(error?.providerCode == "invoice_paid")
            #expect(try await harness.provider.order(id: paid.id, shop: harness.shop)?.status == .completed)
        }
    }

    /// §6 documents `cancel.json` but not the status it leaves: whichever it is, the order ends
    /// in the documented `rejected`.
    @Test(arguments: FakturowniaConfiguration.CancelLeavesStatus.allCases)
    func theCancelCallEndsInTheDocumentedStatusWhateverItLeaves(_ leaves: FakturowniaConfiguration.CancelLeavesStatus) async throws {
        try await Harness.run { (harness: Harness) async throws in
            await harness.gateway.sandbox.state.updateConfiguration { $0.cancelLeavesStatus = leaves }
            let provider = FakturowniaProvider(
                gateway: harness.gateway.gateway, logger: GatewayHarness.logger, cancellation: .cancelCall(reason: "Rezerwacja anulowana"))
            let order = try await provider.createOrder(Self.stay("inv-cancel-call"), shop: harness.shop)
            #expect(Self.isCanceled(try await provider.cancelOrder(id: order.id, shop: harness.shop).status))
            #expect(await harness.gateway.requests("POST", "/invoices/cancel.json", prefix: "hotel").count == 1)
            let statusChanges = await harness.gateway.requests("POST", "/invoices/\(order.id)/change_status.json", prefix: "hotel")
            #expect(statusChanges.count == (leaves == .rejected ? 0 : 1))
            let invoice = try await harness.gateway.gateway.invoice(id: try #require(Int64(order.id)), in: harness.account)
            #expect(invoice.status == "rejected")
            let raw = try await HTTPClient.shared.get(
                url: "\(harness.account.baseURL.absoluteString)/invoices/\(order.id).json?api_token=\(harness.account.apiToken.revealed)"
            ).get()
            let fields = try JSONSerialization.jsonObject(with: Data(buffer: try #require(raw.body))) as? [String: Any]
            #expect(fields?["cancel_reason"] as? String == "Rezerwacja anulowana")
        }
    }

    @Test func aStatusTheReferenceDoesNotListIsKeptUnrecognized() async throws {
        try await Harness.run { (harness: Harness) async throws in
            await harness.gateway.sandbox.state.updateConfiguration { $0.cancelLeavesStatus = .canceled }
            let order = try await harness.provider.createOrder(Self.stay("inv-odd"), shop: harness.shop)
            try await harness.gateway.gateway.cancelInvoice(id: try #require(Int64(order.id)), reason: nil, in: harness.account)
            let status = try await harness.provider.order(id: order.id, shop: harness.shop)?.status
            guard case .unrecognized(let raw)? = status else {
                Issue.record("expected an unrecognized status, got \(String(describing: status))")
                return
            }
            #expect(raw == "canceled")
        }
    }

    @Test func aPartialThenAFullPaymentMakeTheOrderPartlyPaidThenCompleted() async throws {
        try await Harness.run { (harness: Harness) async throws in
            let order = try await harness.provider.createOrder(Self.stay("inv-pay"), shop: harness.shop)
            let paidAt = Date(timeIntervalSince1970: 1_893_456_000)  // 2030-01-01T00:00:00Z, 01:00 in Warsaw
            let partial = try await harness.provider.recordPayment(
                PaymentRecord(id: "pay-1", amount: MinorUnits(20_000), currency: "PLN", paidAt: paidAt, method: "cash"), orderID: order.id, shop: harness.shop)
            #expect(partial.status == .partiallyPaid)
            #expect(partial.paidAt == nil)
            let full = try await harness.provider.recordPayment(
                PaymentRecord(id: "pay-2", amount: MinorUnits(28_199), currency: "PLN", paidAt: paidAt, method: "bank transfer"), orderID: order.id,
                shop: harness.shop)
            #expect(full.status == .completed)
            // The payment day in Warsaw, at its noon there (the day is not today): 2030-01-01T11:00:00Z.
            #expect(full.paidAt == Date(timeIntervalSince1970: 1_893_495_600))
            #expect(await harness.gateway.requests("POST", "/banking/payments.json", prefix: "hotel").count == 2)
        }
    }

    @Test func aLostPaymentAnswerIsAnUnknownOutcomeAndIsNotRepeated() async throws {
        try await Harness.run { (harness: Harness) async throws in
            let order = try await harness.provider.createOrder(Self.stay("inv-lost-pay"), shop: harness.shop)
            await harness.gateway.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: "/banking/payments.json"))
            let error = await #expect(throws: PaymentError.self) {
                _ = try await harness.provider.recordPayment(
                    PaymentRecord(id: "pay-1", amount: MinorUnits(10_000), currency: "PLN", paidAt: Date()), orderID: order.id, shop: harness.shop)
            }
            guard case .outcomeUnknown? = error else {
                Issue.record("expected an unknown outcome, got \(String(describing: error))")
                return
            }
            #expect(await harness.gateway.requests("POST", "/banking/payments.json", prefix: "hotel").count == 1)
            #expect(try await harness.provider.order(id: order.id, shop: harness.shop)?.status == .partiallyPaid)
        }
    }

    @Test func sendingTheDocumentEmailsItAndARefusalInA200KeepsTheProviderText() async throws {
        try await Harness.run { (harness: Harness) async throws in
            let order = try await harness.provider.createOrder(Self.stay("inv-mail"), shop: harness.shop)
            try await harness.provider.sendDocument(orderID: order.id, to: ["desk@hotel.example"], attachPDF: false, shop: harness.shop)
            try await harness.provider.sendDocument(orderID: order.id, to: [], attachPDF: false, shop: harness.shop)
            let emails = await harness.gateway.sandbox.state.emails
            #expect(emails.map(\.to) == [["desk@hotel.example"], ["jan@guest.example"]])
            #expect(try await harness.provider.order(id: order.id, shop: harness.shop)?.status == .created)

            await harness.gateway.sandbox.state.updateConfiguration { $0.sendByEmailRefused = true }
            let error = await #expect(throws: PaymentError.self) {
                try await harness.provider.sendDocument(orderID: order.id, to: [], attachPDF: false, shop: harness.shop)
            }
            guard case .rejected(let fields, let diagnostics)? = error else {
                Issue.record("expected a refusal, got \(String(describing: error))")
                return
            }
            #expect(error?.isFieldRefusal == true)
            #expect(fields.map(\.name) == ["send_by_email"])
            #expect(fields.first?.code == "action_refused")
            #expect(fields.first?.message == "Nie można wysłać faktury e-mailem przed nadaniem numeru KSeF")
            #expect(diagnostics.httpStatus == 200)
            #expect(await harness.gateway.sandbox.state.emails.count == 2)
        }
    }

    @Test func anUnknownOrderIsNil() async throws {
        try await Harness.run { (harness: Harness) async throws in
            #expect(try await harness.provider.order(id: "999999999", shop: harness.shop) == nil)
            #expect(try await harness.provider.order(id: "not-a-number", shop: harness.shop) == nil)
            await #expect(throws: PaymentError.self) { _ = try await harness.provider.cancelOrder(id: "999999999", shop: harness.shop) }
        }
    }

    @Test func theTokenAndTheMerchantAreChecked() async throws {
        try await Harness.run { (harness: Harness) async throws in
            #expect(try await harness.provider.checkToken(of: harness.shop))
            var wrong = harness.shop
            wrong.token = Secret("not-the-hotel-token")
            #expect(try await harness.provider.checkToken(of: wrong) == false)
            #expect(try await harness.provider.ownsMerchant(wrong) == false)

            #expect(try await harness.provider.ownsMerchant(harness.shop))
            var shouting = harness.shop
            shouting.merchantID = "HOTEL"
            #expect(try await harness.provider.ownsMerchant(shouting))
            var other = harness.shop
            other.merchantID = "another-hotel"
            #expect(try await harness.provider.ownsMerchant(other) == false)

            await harness.gateway.inject(FakturowniaFault(kind: .status, method: "GET", pathContains: "/account.json", status: 503, count: 3))
            let error = await #expect(throws: PaymentError.self) { _ = try await harness.provider.checkToken(of: harness.shop) }
            guard case .unavailable? = error else {
                Issue.record("expected unavailable, got \(String(describing: error))")
                return
            }
        }
    }

    @Test func aFieldMapKeepsThePolishMessageForTheCaller() async throws {
        try await Harness.run { (harness: Harness) async throws in
            let error = await #expect(throws: PaymentError.self) {
                _ = try await harness.provider.recordPayment(
                    PaymentRecord(id: "pay-1", amount: MinorUnits(100), currency: "PLN", paidAt: Date()), orderID: "42", shop: harness.shop)
            }
            guard case .rejected(let fields, let diagnostics)? = error else {
                Issue.record("expected a refusal, got \(String(describing: error))")
                return
            }
            #expect(fields == [PaymentError.FieldError(name: "invoice_id", code: "invalid", message: "jest nieprawidłowe")])
            #expect(diagnostics.httpStatus == 422)
            #expect(error?.description.contains("jest nieprawidłowe") == false)
        }
    }

    @Test func gatewayErrorsMapOntoThePort() {
        let buyer = FakturowniaGatewayError.validationFailed(fields: [.init(name: "buyer_tax_no", messages: ["jest nieprawidłowe", "za krótkie"])])
        #expect(
            buyer.paymentError()
                == .rejected(
                    fields: [.init(name: "buyer_tax_no", code: "invalid", message: "jest nieprawidłowe; za krótkie", source: .customer(.vatNumber))],
                    ProviderDiagnostics(cause: "rejected", httpStatus: 422)))
        #expect(FakturowniaGatewayError.unauthorized(message: nil).paymentError() == .unauthorized(ProviderDiagnostics(cause: "unauthorized", httpStatus: 401)))
        #expect(FakturowniaGatewayError.notFound(message: nil).paymentError() == .notFound(ProviderDiagnostics(cause: "not_found", httpStatus: 404)))
        #expect(
            FakturowniaGatewayError.rateLimited(retryAfterSeconds: 7).paymentError()
                == .rateLimited(retryAfterSeconds: 7, ProviderDiagnostics(cause: "rate_limited", httpStatus: 429)))
        #expect(
            FakturowniaGatewayError.unavailable(status: 503).paymentError()
                == .unavailable(retryAfterSeconds: nil, ProviderDiagnostics(cause: "unavailable", httpStatus: 503)))
        #expect(
            FakturowniaGatewayError.noAnswer(operation: "record payment", reason: "timeout").paymentError(afterWrite: true)
                == .outcomeUnknown(ProviderDiagnostics(cause: "no_answer", operation: "record payment")))
        #expect(
            FakturowniaGatewayError.outcomeUnknown(operation: "create invoice").paymentError()
                == .outcomeUnknown(ProviderDiagnostics(cause: "outcome_unknown", operation: "create invoice")))
        #expect(
            FakturowniaGatewayError.existingInvoiceDiffers(invoiceID: 7).paymentError()
                == .existingOrderDiffers(orderID: "7", ProviderDiagnostics(cause: "existing_order_differs")))
    }

    @Test func theTokenIsInNoErrorTheProviderThrows() async throws {
        try await GatewayHarness.run { gateway in
            let canary = TokenCanaryTests.canary
            await gateway.sandbox.state.addAccount(prefix: "canary", apiToken: canary)
            let shop = ShopCredentials(
                merchantID: "canary", token: Secret(canary), baseURL: gateway.origin.appendingPathComponent("canary"), provider: .fakturownia)
            let provider = FakturowniaProvider(gateway: gateway.gateway, logger: GatewayHarness.logger)
            let order = try await provider.createOrder(Self.stay("inv-canary"), shop: shop)
            var errors: [PaymentError] = []
            func collect(_ call: () async throws -> Void) async {
                do {
                    try await call()
                    Issue.record("expected an error")
                } catch let error as PaymentError {
                    errors.append(error)
                } catch {
                    Issue.record("not a PaymentError: \(error)")
                }
            }
            await collect {
                _ = try await provider.recordPayment(PaymentRecord(id: "p", amount: MinorUnits(1), currency: "PLN", paidAt: Date()), orderID: "1", shop: shop)
            }
            await gateway.sandbox.state.updateConfiguration { $0.sendByEmailRefused = true }
            await collect { try await provider.sendDocument(orderID: order.id, to: [], attachPDF: false, shop: shop) }
            await gateway.inject(FakturowniaFault(kind: .dropResponse, method: "POST", pathContains: "/banking/payments.json"))
            await collect {
                _ = try await provider.recordPayment(
                    PaymentRecord(id: "p", amount: MinorUnits(1), currency: "PLN", paidAt: Date()), orderID: order.id, shop: shop)
            }
            var elsewhere = shop
            elsewhere.baseURL = gateway.origin.appendingPathComponent("nobody")
            await collect { _ = try await provider.order(merchantOrderID: "inv-canary", shop: elsewhere) }
            #expect(errors.count == 4)
            let texts = errors.flatMap { error -> [String] in
                var texts = ["\(error)", String(reflecting: error), error.localizedDescription]
                if case .rejected(let fields, _) = error { texts += fields.compactMap(\.message) + fields.map(\.name) }
                return texts
            }
            #expect(!texts.isEmpty)
            #expect(texts.allSatisfy { !$0.contains(canary) })
        }
    }
}

/// The attributes and payer identities a Polish VAT invoice takes.
@Suite struct FakturowniaOrderRulesTests {
    let rules = FakturowniaOrderRules()

    @Test func onlyPolishVATCodesAndEveryCurrency() {
        #expect(!rules.vatCodes.contains(.twenty))
        #expect(rules.vatCodes.contains(.polish23))
        #expect(rules.vatCodes == VATCode.polish)
        #expect(rules.currencies.contains(.pln))
        #expect(rules.currencies.count == Currency.allCases.count)
        #expect(rules.languages == ["pl", "en"])
    }

    @Test func receiptAttributesAreNotAllowedAndTheMeasureIsFreeText() {
        let line = OrderLine(
            basket: BasketLineRequest(sku: "n", name: "Nocleg", quantity: 1, unitPrice: MinorUnits(100), vatCode: .polish8), measure: "noc",
            measureCode: "796", itemType: "service", paymentType: "full_payment")
        let found = rules.violations(of: line, pointer: "/items/0")
        #expect(found.map(\.pointer) == ["/items/0/measureCode", "/items/0/itemType", "/items/0/paymentType"])
        #expect(found.allSatisfy { $0.code == "not_allowed" })
        var long = line
        long.measureCode = nil
        long.itemType = nil
        long.paymentType = nil
        #expect(rules.violations(of: long, pointer: "/items/0").isEmpty)
        long.measure = String(repeating: "x", count: 21)
        #expect(rules.violations(of: long, pointer: "/items/0").map(\.code) == ["too_long"])
    }

    @Test func aNIPMustCarryItsCheckDigit() {
        func codes(_ vatNumber: String) -> [String] {
            rules.violations(of: OrderCustomer(kind: .legal, name: "Hotel sp. z o.o.", vatNumber: vatNumber), pointer: "/customer").map(\.code)
        }
        #expect(codes("5260250995").isEmpty)
        #expect(codes("PL 526-025-09-95").isEmpty)
        #expect(codes("526-02-50-995").isEmpty)
        #expect(codes("5260250994") == ["invalid_checksum"])
        #expect(codes("PL526025099") == ["invalid_format"])
        #expect(codes("PLABCDEFGHIJ") == ["invalid_format"])
        #expect(codes("DE123456789").isEmpty)
        #expect(codes("ATU12345678").isEmpty)
        #expect(codes("US123456789") == ["invalid_format"])
        #expect(codes("DE1") == ["invalid_format"])
        #expect(codes("7707083893!") == ["invalid_format"])
    }

    @Test func aKPPIsRefusedAndPayersNeedNames() {
        let withKPP = OrderCustomer(kind: .legal, name: "Hotel", vatNumber: "5260250995", taxRegistrationReasonCode: "770701001")
        #expect(rules.violations(of: withKPP, pointer: "/customer").map(\.pointer) == ["/customer/taxRegistrationReasonCode"])
        #expect(rules.violations(of: withKPP, pointer: "/customer").map(\.code) == ["not_allowed"])
        #expect(rules.violations(of: OrderCustomer(kind: .legal, vatNumber: "5260250995"), pointer: "/customer").map(\.code) == ["required"])
        #expect(rules.violations(of: OrderCustomer(kind: .private, email: "a@b.example"), pointer: "/customer").map(\.code) == ["required"])
        #expect(rules.violations(of: OrderCustomer(kind: .private, name: "Jan Kowalski"), pointer: "/customer").isEmpty)
        #expect(rules.violations(of: OrderCustomer(kind: .legal, name: "Hotel"), pointer: "/customer").isEmpty)
    }
}
