import FolioDomain
import Foundation
import Logging
import Metrics
import PaymentsPort
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
        case let error as PaymentError:
            metadata.merge(error.logMetadata) { _, new in new }
        case let error as any LogSafeError:
            metadata["error.case"] = "\(String(describing: error))"
        default:
            break
        }
        if let failure = DatabaseFailure(error) ?? (error as? any DatabaseFailureWrapping)?.databaseFailure {
            metadata["error.code"] = "\(failure.kind)"
            if let state = failure.sqlState { metadata["db.sqlstate"] = "\(state)" }
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
        if let providerError = underlying(error) as? PaymentError {
            count(providerError, operation: operation)
        }
    }

    /// Counts a failure of the provider in `folio_provider_failures_total{operation, cause}`.
    package static func count(_ error: PaymentError, operation: String) {
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
