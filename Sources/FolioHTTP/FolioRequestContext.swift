import FolioDomain
import Hummingbird
import Logging
import NIOCore

/// Per-request state shared by Folio's middleware: who is calling and under which request id.
package struct FolioRequestContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    package var requestID = ""
    package var principal: Principal?
    /// The peer of the connection: behind a proxy, the proxy.
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    package var maxUploadSize: Int { RequestBodyLimitMiddleware.defaultLimit }
}

/// Makes the request's identity visible to the generated OpenAPI handlers, which receive the
/// decoded input but not Hummingbird's context.
package enum RequestScope {
    package struct Values: Sendable {
        package let requestID: String
        package let principal: Principal?
        package let logger: Logger
    }

    @TaskLocal package static var current: Values?
}
