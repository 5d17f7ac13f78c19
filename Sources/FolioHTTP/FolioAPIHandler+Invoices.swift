import FolioAPI
import FolioDomain
import Foundation
import InvoicingService
import PaymentsPort
import TenantRegistry

extension FolioAPIHandler {
    package func createInvoice(_ input: Operations.CreateInvoice.Input) async throws -> Operations.CreateInvoice.Output {
        let tenant = try await knownTenant(input.path.tenantId)
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        // Validated after the key is looked up: a finished request is replayed even when a rule
        // that depends on the time (the expiry) would refuse its body now.
        let invoice = try await idempotent(
            tenant: tenant, key: input.headers.idempotencyKey, operation: "createInvoice", request: body, successStatus: 201
        ) { resuming in
            let request = try InvoiceRequest(body, maximumAmount: invoices.maximumAmount, rules: invoices.orderRules)
            return Components.Schemas.Invoice(
                try await invoices.create(
                    tenant, request: request, idempotencyKey: input.headers.idempotencyKey, resuming: resuming
                ))
        }
        return .created(.init(body: .json(invoice)))
    }

    package func listInvoices(_ input: Operations.ListInvoices.Input) async throws -> Operations.ListInvoices.Output {
        // The read itself answers 404 for a tenant that does not exist.
        let tenant = try reachableTenant(input.path.tenantId)
        let limit = input.query.limit ?? 20
        guard (1...100).contains(limit) else { throw APIProblem.invalidParameter("limit", "must be between 1 and 100") }
        if let reservationID = input.query.reservationId,
            let violation = FieldViolation.checkIdentifier(reservationID, pointer: "", lengths: 1...128).first
        {
            throw APIProblem.invalidParameter("reservationId", violation.detail)
        }
        if let from = input.query.createdFrom, let to = input.query.createdTo, to <= from {
            throw APIProblem.invalidParameter("createdTo", "must be after createdFrom")
        }
        let filter = InvoiceFilter(
            status: try Self.statusFilter(input.query.status?.rawValue),
            reservationID: input.query.reservationId,
            createdFrom: input.query.createdFrom,
            createdTo: input.query.createdTo
        )
        let page = try await invoices.list(tenant, filter: filter, limit: limit, after: input.query.cursor)
        return .ok(.init(body: .json(.init(items: page.invoices.map(Components.Schemas.Invoice.init), nextCursor: page.nextCursor))))
    }

    package func getInvoice(_ input: Operations.GetInvoice.Input) async throws -> Operations.GetInvoice.Output {
        .ok(.init(body: .json(.init(try await readInvoice(tenant: input.path.tenantId, invoice: input.path.invoiceId)))))
    }

    /// The invoice the path names, if the caller may reach its tenant and it exists.
    func readInvoice(tenant rawTenant: String, invoice rawInvoice: String) async throws -> Invoice {
        // The read itself answers 404 for a tenant that does not exist.
        let tenant = try reachableTenant(rawTenant)
        let id = try Self.invoiceID(rawInvoice)
        guard let invoice = try await invoices.invoice(tenant, id: id) else { throw InvoiceError.notFound }
        return invoice
    }

    package func cancelInvoice(_ input: Operations.CancelInvoice.Input) async throws -> Operations.CancelInvoice.Output {
        let tenant = try await existingTenant(input.path.tenantId)
        let id = try Self.invoiceID(input.path.invoiceId)
        let invoice = try await idempotent(
            tenant: tenant, key: input.headers.idempotencyKey, operation: "cancelInvoice:\(id)", request: id, successStatus: 200
        ) { _ in
            Components.Schemas.Invoice(try await invoices.cancel(tenant, id: id))
        }
        return .ok(.init(body: .json(invoice)))
    }

    package func syncInvoice(_ input: Operations.SyncInvoice.Input) async throws -> Operations.SyncInvoice.Output {
        let tenant = try await existingTenant(input.path.tenantId)
        let id = try Self.invoiceID(input.path.invoiceId)
        let invoice = try await idempotent(
            tenant: tenant, key: input.headers.idempotencyKey, operation: "syncInvoice:\(id)", request: id, successStatus: 200
        ) { _ in
            Components.Schemas.Invoice(try await invoices.sync(tenant, id: id))
        }
        return .ok(.init(body: .json(invoice)))
    }

    /// The list's status filter in Folio's terms. A status the API spells but Folio lacks is a
    /// bad parameter, never a filter quietly left out (which would list every invoice).
    static func statusFilter(_ raw: String?) throws(APIProblem) -> InvoiceStatus? {
        guard let raw else { return nil }
        guard let status = InvoiceStatus(rawValue: raw) else {
            throw .invalidParameter("status", "must be one of \(InvoiceStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return status
    }

    static func invoiceID(_ raw: String) throws -> UUID {
        guard let id = UUID(uuidString: raw) else { throw APIProblem.invalidParameter("invoiceId", "must be a UUID") }
        return id
    }
}

extension InvoiceRequest {
    /// The body in Folio's types. A currency or VAT code Folio does not know is a field error,
    /// answered together with every other rule the body breaks.
    init(_ body: Components.Schemas.CreateInvoiceRequest, maximumAmount: Int64, rules: any OrderRules) throws(ValidationFailure) {
        var unknown: [FieldViolation] = []
        let currency = Currency(rawValue: body.currency)
        if currency == nil {
            unknown.append(
                FieldViolation(pointer: "/currency", code: "unsupported", detail: "must be one of \(Currency.allCases.map(\.rawValue).joined(separator: ", "))")
            )
        }
        let vatCodes = body.items.map { VATCode(rawValue: $0.vatCode) }
        // Items are looked at one by one only when their number is right, and the basket is
        // summed only when every item is right.
        let itemsAreChecked = (1...BasketError.maximumLines).contains(vatCodes.count)
        let anItemIsWrong = itemsAreChecked && vatCodes.contains(nil)
        if itemsAreChecked {
            for (index, vatCode) in vatCodes.enumerated() where vatCode == nil {
                unknown.append(
                    FieldViolation(
                        pointer: "/items/\(index)/vatCode", code: "unsupported",
                        detail: "must be one of \(VATCode.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        self.init(body, currency: currency ?? .rub, vatCodes: vatCodes.map { $0 ?? .none })
        guard unknown.isEmpty else {
            // The stand-ins above only let the other rules be checked; this request goes nowhere.
            let others = violations(maximumAmount: maximumAmount, rules: rules).filter { !(anItemIsWrong && $0.pointer == "/items") }
            throw ValidationFailure(violations: unknown + others)
        }
    }

    private init(_ body: Components.Schemas.CreateInvoiceRequest, currency: Currency, vatCodes: [VATCode]) {
        self.init(
            reservationID: body.reservationId,
            description: body.description,
            currency: currency,
            language: body.language,
            customer: OrderCustomer(body.customer),
            items: zip(body.items, vatCodes).map { Item($0, vatCode: $1) },
            reservation: body.reservation.map(Reservation.init),
            expiresAt: body.expiresAt,
            successURL: body.successUrl,
            failURL: body.failUrl,
            returnURL: body.returnUrl,
            displayNumber: body.displayNumber,
            documentKind: body.fakturownia?.documentKind == .proforma ? .proforma : nil
        )
    }
}

extension Components.Schemas.Invoice {
    /// The document's links; an Invoicebox invoice's view is its payment page. A paid proforma's
    /// tax invoice, once issued, is the invoice's document.
    static func document(of invoice: Invoice) -> Components.Schemas.InvoiceDocument? {
        if let taxInvoice = invoice.taxInvoice {
            return .init(kind: .vat, number: taxInvoice.number, viewUrl: taxInvoice.viewURL, pdfUrl: taxInvoice.pdfURL)
        }
        let viewURL = invoice.documents.viewURL ?? invoice.paymentURL
        guard invoice.documents.number != nil || viewURL != nil || invoice.documents.pdfURL != nil else { return nil }
        let kind: Components.Schemas.InvoiceDocument.KindPayload? =
            switch invoice.documentKind {
            case .proforma: .proforma
            // Folio's own Fakturownia documents are VAT invoices; one made in the application may be any kind.
            case .invoice: invoice.documents.pdfURL == nil || invoice.madeAtProvider ? nil : .vat
            }
        return .init(kind: kind, number: invoice.documents.number, viewUrl: viewURL, pdfUrl: invoice.documents.pdfURL)
    }

    /// How far an invoice created as a proforma is on its way to its VAT invoice.
    static func fakturownia(of invoice: Invoice) -> Components.Schemas.InvoiceFakturownia? {
        guard invoice.documentKind == .proforma else { return nil }
        let proforma =
            invoice.documents.number == nil && invoice.documents.viewURL == nil
            ? nil
            : Components.Schemas.InvoiceDocument(
                kind: .proforma, number: invoice.documents.number, viewUrl: invoice.documents.viewURL, pdfUrl: invoice.documents.pdfURL)
        let vatInvoice: Components.Schemas.InvoiceFakturownia.VatInvoicePayload?
        if invoice.taxInvoice != nil {
            vatInvoice = .issued
        } else {
            switch invoice.status {
            case .paid: vatInvoice = .issuing
            case .pending, .open, .held, .partiallyPaid: vatInvoice = .awaitingPayment
            // Ended unpaid: no VAT invoice will follow.
            case .canceled, .expired, .failed, .refunded, .partiallyRefunded, .reversed: vatInvoice = nil
            }
        }
        return .init(documentKind: .proforma, proforma: proforma, vatInvoice: vatInvoice)
    }

    init(_ invoice: Invoice) {
        self.init(
            id: invoice.id.uuidString.lowercased(),
            reservationId: invoice.reservationID,
            displayNumber: invoice.displayNumber,
            status: .init(invoice.status),
            description: invoice.description,
            currency: invoice.currency.rawValue,
            amount: invoice.amount,
            vatAmount: invoice.vatAmount,
            refundedAmount: invoice.refundedAmount,
            items: invoice.lines.map { line in
                .init(
                    sku: line.sku, name: line.name, quantity: line.quantity, unitPrice: line.unitPrice,
                    amount: line.totalAmount.value, vatAmount: line.totalVATAmount.value, vatCode: line.vatCode.rawValue
                )
            },
            paymentUrl: invoice.paymentURL,
            providerOrderId: invoice.providerOrderID,
            expiresAt: invoice.expiresAt,
            paidAt: invoice.paidAt,
            canceledAt: invoice.canceledAt,
            document: Self.document(of: invoice),
            failureCode: invoice.failureCode,
            fakturownia: Self.fakturownia(of: invoice),
            origin: invoice.madeAtProvider ? .provider : .folio,
            createdAt: invoice.createdAt,
            updatedAt: invoice.updatedAt
        )
    }
}

extension FolioAPIHandler {
    package func createRefund(_ input: Operations.CreateRefund.Input) async throws -> Operations.CreateRefund.Output {
        let tenant = try await existingTenant(input.path.tenantId)
        let invoiceID = try Self.invoiceID(input.path.invoiceId)
        guard case .json(let body) = input.body else { throw APIProblem.invalidBody("The request body is missing.") }
        let request = RefundRequest(
            amount: body.amount,
            lines: body.items?.map { RefundRequest.Line(sku: $0.sku, amount: $0.amount) },
            description: body.description
        )
        let refund = try await idempotent(
            tenant: tenant, key: input.headers.idempotencyKey, operation: "createRefund:\(invoiceID)", request: body, successStatus: 201
        ) { resuming in
            Components.Schemas.Refund(
                try await invoices.refund(
                    tenant, invoiceID: invoiceID, request: request, idempotencyKey: input.headers.idempotencyKey, resuming: resuming
                ))
        }
        return .created(.init(body: .json(refund)))
    }

    package func listRefunds(_ input: Operations.ListRefunds.Input) async throws -> Operations.ListRefunds.Output {
        // The read itself answers 404 for a tenant that does not exist.
        let tenant = try reachableTenant(input.path.tenantId)
        let invoiceID = try Self.invoiceID(input.path.invoiceId)
        let refunds = try await invoices.refunds(tenant, invoiceID: invoiceID)
        return .ok(.init(body: .json(.init(items: refunds.map(Components.Schemas.Refund.init)))))
    }
}

extension Components.Schemas.Refund {
    init(_ refund: Refund) {
        self.init(
            id: refund.id.uuidString.lowercased(),
            invoiceId: refund.invoiceID.uuidString.lowercased(),
            status: .init(refund.status),
            amount: refund.amount,
            vatAmount: refund.vatAmount,
            description: refund.description,
            items: refund.lines.map { .init(sku: $0.sku, amount: $0.amount, vatAmount: $0.vatAmount) },
            providerRefundId: refund.providerRefundID,
            failureCode: refund.failureCode,
            createdAt: refund.createdAt
        )
    }
}

extension Components.Schemas.InvoiceStatus {
    /// Every status has its spelling in the API: a status added to one and not the other does
    /// not compile.
    init(_ status: InvoiceStatus) {
        switch status {
        case .pending: self = .pending
        case .open: self = .open
        case .held: self = .held
        case .partiallyPaid: self = .partiallyPaid
        case .paid: self = .paid
        case .canceled: self = .canceled
        case .expired: self = .expired
        case .failed: self = .failed
        case .partiallyRefunded: self = .partiallyRefunded
        case .refunded: self = .refunded
        case .reversed: self = .reversed
        }
    }
}

extension Components.Schemas.Refund.StatusPayload {
    init(_ status: Refund.Status) {
        switch status {
        case .pending: self = .pending
        case .created: self = .created
        case .completed: self = .completed
        case .canceled: self = .canceled
        case .failed: self = .failed
        }
    }
}
