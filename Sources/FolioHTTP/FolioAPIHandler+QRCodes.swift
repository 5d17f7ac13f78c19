import FolioAPI
import FolioDomain
import Foundation
import InvoicingService
import OpenAPIRuntime
import PaymentQRCode

extension FolioAPIHandler {
    package func getInvoiceQRCodeSVG(_ input: Operations.GetInvoiceQRCodeSVG.Input) async throws -> Operations.GetInvoiceQRCodeSVG.Output {
        let code = try await paymentCode(tenant: input.path.tenantId, invoice: input.path.invoiceId)
        return .ok(.init(body: .imageSvgXml(HTTPBody(code.svg()))))
    }

    package func getInvoiceQRCodePNG(_ input: Operations.GetInvoiceQRCodePNG.Input) async throws -> Operations.GetInvoiceQRCodePNG.Output {
        let code = try await paymentCode(tenant: input.path.tenantId, invoice: input.path.invoiceId)
        return .ok(.init(body: .png(HTTPBody(code.png()))))
    }

    /// The QR code of the invoice's payment link, while the guest can still pay through it.
    func paymentCode(tenant rawTenant: String, invoice rawInvoice: String) async throws -> QRCode {
        let invoice = try await readInvoice(tenant: rawTenant, invoice: rawInvoice)
        guard [.open, .pending, .partiallyPaid].contains(invoice.status), let link = invoice.paymentURL else {
            throw APIProblem.invoiceNotPayable
        }
        do {
            return try QRCode(encoding: link)
        } catch {
            // A payment link is a URL of a few dozen bytes; one that does not fit is not a link a
            // guest could use either.
            throw APIProblem.invoiceNotPayable
        }
    }
}
