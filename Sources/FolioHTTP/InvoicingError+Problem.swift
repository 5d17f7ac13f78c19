import FolioDomain
import HTTPTypes
import InvoicingService
import PaymentsPort

extension InvoicingError: ProblemConvertible {
    var problem: APIProblem {
        switch self {
        case .partnerNotConfigured:
            return APIProblem(
                status: .serviceUnavailable, code: "invoicing_not_configured",
                detail: "This Folio has no partner account with the provider (FOLIO_INVOICEBOX_PARTNER_ID); connect a shop with PUT …/invoicing/credentials."
            )
        case .partnerRejected(let requestID):
            var problem = APIProblem(
                status: .serviceUnavailable, code: "invoicing_not_configured",
                detail:
                    "The provider refused this platform's partner credentials; the operator must fix FOLIO_INVOICEBOX_PARTNER_ID and FOLIO_INVOICEBOX_PARTNER_TOKEN."
            )
            problem.providerRequestID = requestID
            return problem
        case .alreadyActive:
            return APIProblem(
                status: .conflict, code: "invoicing_active", detail: "Invoicing is already active for this tenant; disable it first to start over.")
        case .notInvited:
            return APIProblem(status: .conflict, code: "not_invited", detail: "Send an invitation (POST …/invoicing/invite) before activating.")
        case .inviteTooSoon(let seconds):
            var problem = APIProblem(
                status: .tooManyRequests, code: "invite_too_soon", detail: "An invitation was sent moments ago; try again in \(seconds) s.")
            problem.retryAfterSeconds = seconds
            return problem
        case .activationCodeRejected(let providerCode, let requestID, let afterUnknownOutcome):
            var problem = APIProblem(
                status: .unprocessableContent, code: "activation_code_rejected",
                detail: "The provider did not accept the activation code; nothing was changed."
                    + (afterUnknownOutcome ? " An earlier activation got no answer and may have used the code. " + Self.connectAfterUnknownActivation : ""),
                fieldErrors: [APIProblem.FieldError(pointer: "/activationCode", code: "rejected", detail: "not accepted by the provider")]
            )
            problem.providerCode = providerCode
            problem.providerRequestID = requestID
            return problem
        case .activationOutcomeUnknown(let requestID):
            var problem = APIProblem(
                status: .badGateway, code: "activation_outcome_unknown",
                detail: "The provider's answer to the activation was lost; nothing was stored. "
                    + "The code may already have become the shop, and it works only once. " + Self.connectAfterUnknownActivation
            )
            problem.providerRequestID = requestID
            return problem
        case .notActive:
            return APIProblem(
                status: .conflict, code: "invoicing_not_active",
                detail: "This tenant has not enabled invoicing: invite and activate it, or connect a shop, first."
            )
        case .credentialsRejected:
            return APIProblem(
                status: .unprocessableContent, code: "invalid_credentials",
                detail: "The provider did not accept the token for this merchant; nothing was stored.",
                fieldErrors: [APIProblem.FieldError(pointer: "/token", code: "rejected", detail: "not accepted by the provider")]
            )
        case .merchantNotOwned:
            return APIProblem(
                status: .unprocessableContent, code: "merchant_not_owned",
                detail: "The provider does not let this token act for this merchant; nothing was stored.",
                fieldErrors: [APIProblem.FieldError(pointer: "/merchantId", code: "not_owned", detail: "not a shop of this token")]
            )
        case .merchantAlreadyConnected:
            return APIProblem(
                status: .conflict, code: "merchant_already_connected", detail: "This merchant is connected to another tenant; nothing was stored.")
        case .hasOpenInvoices(let count):
            var problem = APIProblem(
                status: .conflict, code: "invoicing_has_open_invoices",
                detail: "\(count) invoice(s) of the current shop are still open; wait until they are paid, canceled or expired (or cancel them) first."
            )
            problem.openInvoices = count
            return problem
        case .tooManyAttempts(let seconds):
            var problem = APIProblem(
                status: .tooManyRequests, code: "too_many_attempts", detail: "Too many attempts for this tenant; try again in \(seconds) s.")
            problem.retryAfterSeconds = seconds
            return problem
        case .databaseFailed:
            return .serviceUnavailable
        case .providerNotConfigured(let provider):
            return APIProblem(
                status: .serviceUnavailable, code: "provider_not_configured",
                detail: "This Folio is not configured for \(provider.rawValue): its partner account is missing or refused its credentials "
                    + "(FOLIO_\(provider.rawValue.uppercased())_PARTNER_PREFIX, …_PARTNER_TOKEN, …_INTEGRATION_TOKEN), or FOLIO_PUBLIC_BASE_URL is not set."
            )
        case .notSupportedByProvider(let operation, let provider):
            return APIProblem(
                status: .conflict, code: "not_supported_by_provider",
                detail: "The tenant invoices through \(provider.rawValue), which does not \(operation)."
            )
        }
    }
}

extension InvoicingError {
    /// The way out of an activation whose answer was lost.
    static let connectAfterUnknownActivation =
        "Connect the shop with the merchant id and token from the Invoicebox cabinet (PUT …/invoicing/credentials)."
}

extension InvoiceError: ProblemConvertible {
    var problem: APIProblem {
        switch self {
        case .notFound:
            return APIProblem(status: .notFound, code: "invoice_not_found", detail: "No such invoice for this tenant.")
        case .notCancelable(let status, let providerCode, let requestID):
            var problem = APIProblem(
                status: .conflict, code: "invoice_not_cancelable",
                detail: "The invoice is \(status.rawValue) and can no longer be canceled."
            )
            problem.providerCode = providerCode
            problem.providerRequestID = requestID
            return problem
        case .notRefundable(let status):
            return APIProblem(
                status: .conflict, code: "invoice_not_refundable",
                detail: "The invoice is \(status.rawValue); only a paid invoice can be refunded."
                    + (status == .held ? " Cancel a held invoice to release the funds." : "")
            )
        case .notEditable(let status, let providerCode, let requestID):
            var problem = APIProblem(
                status: .conflict, code: "invoice_not_editable",
                detail: "The invoice is \(status.rawValue); only an open invoice, before payment, can be edited."
            )
            problem.providerCode = providerCode
            problem.providerRequestID = requestID
            return problem
        case .notSendable(let status):
            return APIProblem(
                status: .conflict, code: "invoice_not_sendable",
                detail: "The invoice is \(status.rawValue); it has no document at the provider to send."
            )
        case .notPayable(let status):
            return APIProblem(
                status: .conflict, code: "invoice_not_payable",
                detail: "The invoice is \(status.rawValue); only an open or partially paid invoice takes a payment."
            )
        case .editInProgress:
            return APIProblem(
                status: .conflict, code: "invoice_edit_in_progress",
                detail: "Another edit of this invoice is being applied at the provider; retry once it is stored, or retry that edit with its Idempotency-Key."
            )
        case .editTakenAfterPayment(let status):
            return APIProblem(
                status: .conflict, code: "invoice_not_editable",
                detail: "The invoice is \(status.rawValue): the provider took the update although the order was no longer awaiting payment."
                    + " Folio keeps what was paid for; check the order at the provider."
            )
        }
    }
}

extension IdempotencyError: ProblemConvertible {
    var problem: APIProblem {
        switch self {
        case .leaseLost:
            APIProblem(status: .conflict, code: "idempotency_key_in_flight", detail: "A later request with this Idempotency-Key took over; retry shortly.")
        }
    }
}
