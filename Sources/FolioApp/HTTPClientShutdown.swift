import AsyncHTTPClient
import ServiceLifecycle

/// Shuts the process's HTTP client down once the application stops. It is the first service
/// (after the database pool), so it is shut down after every service that sends with it.
struct HTTPClientShutdown: Service {
    let client: HTTPClient

    func run() async throws {
        // Cancellation ends the wait as a shutdown does.
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
