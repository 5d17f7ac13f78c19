import FolioDomain
import Foundation
import InvoiceboxAdapter
import Logging
import Metrics
import PostgresNIO
import TenantRegistry
import TokenVault

/// How a failure is logged and counted by the jobs and the notification endpoint: what an
/// operator needs to act (the provider's code, HTTP status and request id, the SQLSTATE, the
/// operation and the tenant) and never what could carry a secret or a guest's data (messages
/// that quote requests, bound values, tokens).
package enum FailureReport {
    /// Log metadata for `error` met while doing `operation` (for example `invoice.reconcile`)
    /// for `tenant`.
    package static func metadata(_ error: any Error, operation: String, tenant: TenantID? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["operation": "\(operation)"]
        if let tenant { metadata["tenant.id"] = "\(tenant)" }
        let error = underlying(error)
        metadata["error"] = "\(String(describing: type(of: error)))"
        switch error {
        case let error as InvoiceboxError:
            metadata.merge(error.logMetadata) { _, new in new }
        case let error as PSQLError:
            metadata["error.code"] = "\(error.code)"
            if let state = error.sqlState { metadata["db.sqlstate"] = "\(state)" }
        // Folio's own errors name identifiers and states, never secrets or request contents.
        case is InvoiceError, is InvoicingError, is RegistryError, is VaultError, is IdempotencyError:
            metadata["error.case"] = "\(String(describing: error))"
        default:
            break
        }
        return metadata
    }

    /// Logs the failure at `level` with `metadata(_:operation:tenant:)` and, when the provider
    /// caused it, counts it in `folio_provider_failures_total{operation, cause}`.
    package static func record(
        _ error: any Error,
        _ message: Logger.Message,
        operation: String,
        tenant: TenantID? = nil,
        extra: Logger.Metadata = [:],
        level: Logger.Level = .warning,
        logger: Logger
    ) {
        var metadata = Self.metadata(error, operation: operation, tenant: tenant)
        metadata.merge(extra) { current, _ in current }
        logger.log(level: level, message, metadata: metadata)
        if let providerError = underlying(error) as? InvoiceboxError {
            count(providerError, operation: operation)
        }
    }

    /// Counts a failure of the provider in `folio_provider_failures_total{operation, cause}`.
    package static func count(_ error: InvoiceboxError, operation: String) {
        Counter(label: "folio_provider_failures_total", dimensions: [("operation", operation), ("cause", error.cause)]).increment()
    }

    /// The error a transaction wrapped, if any.
    private static func underlying(_ error: any Error) -> any Error {
        if let wrapped = error as? PostgresTransactionError {
            if let inner = wrapped.closureError ?? wrapped.commitError ?? wrapped.beginError {
                return underlying(inner)
            }
        }
        return error
    }
}
