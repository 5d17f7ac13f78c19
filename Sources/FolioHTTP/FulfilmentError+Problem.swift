import FolioDomain
import HTTPTypes
import InvoicingService

extension FulfilmentError: ProblemConvertible {
    var problem: APIProblem {
        switch self {
        case .notFulfillable(let status):
            APIProblem(
                status: .conflict, code: "invoice_not_fulfillable",
                detail: "The invoice is \(status.rawValue); only a held or paid invoice can be fulfilled."
            )
        case .closed:
            APIProblem(
                status: .conflict, code: "invoice_not_fulfillable",
                detail: "A final fulfilment closed this invoice; nothing more can be fulfilled."
            )
        case .exceedsInvoice(let violations):
            APIProblem(
                status: .unprocessableContent, code: "fulfilment_exceeds_invoice",
                detail: "More would be fulfilled than is left of the invoice.",
                fieldErrors: violations.map { APIProblem.FieldError(pointer: $0.pointer, code: $0.code, detail: $0.detail) }
            )
        case .documentNumberUsed:
            APIProblem(
                status: .unprocessableContent, code: "validation_failed",
                detail: "Another fulfilment of this invoice has this document number.",
                fieldErrors: [APIProblem.FieldError(pointer: "/documentNumber", code: "already_used", detail: "names another fulfilment of the invoice")]
            )
        }
    }
}
