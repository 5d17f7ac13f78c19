import FakturowniaAdapter
import FakturowniaSandbox
import FolioDomain
import Foundation
import Logging
import Metrics
import Synchronization
import Testing

/// The simulator served on a free loopback port, and a gateway pointed at it whose waits between
/// retries are recorded and skipped.
struct GatewayHarness: Sendable {
    let sandbox: FakturowniaSandbox
    let origin: URL
    let gateway: FakturowniaGateway
    let sleeps: SleepRecorder
    let inFlight: InFlightLimiter
    let partnerConfiguration: FakturowniaConfiguration

    static let logger: Logger = {
        var logger = Logger(label: "folio.test.fakturownia-adapter")
        logger.logLevel = .warning
        return logger
    }()

    var partner: FakturowniaAccountAccess {
        FakturowniaAccountAccess(
            baseURL: origin.appendingPathComponent(partnerConfiguration.partnerPrefix), apiToken: Secret(partnerConfiguration.partnerAPIToken))
    }

    static func run(
        sandboxLogger: Logger = GatewayHarness.logger, gatewayLogger: Logger = GatewayHarness.logger,
        metricsFactory: (any MetricsFactory)? = nil,
        _ body: @Sendable (GatewayHarness) async throws -> Void
    ) async throws {
        let partnerConfiguration = FakturowniaConfiguration()
        let sandbox = FakturowniaSandbox(configuration: partnerConfiguration, logger: sandboxLogger)
        let sleeps = SleepRecorder()
        var configuration = FakturowniaGatewayConfiguration()
        configuration.sleep = { duration in sleeps.record(duration) }
        // Each test gets its own cap, so that no other test's account can share a key with it.
        let inFlight = InFlightLimiter()
        configuration.inFlight = inFlight
        configuration.metricsFactory = metricsFactory
        let gateway = FakturowniaGateway(configuration: configuration, logger: gatewayLogger)
        try await sandbox.withRunningServer { origin in
            try await body(
                GatewayHarness(
                    sandbox: sandbox, origin: origin, gateway: gateway, sleeps: sleeps, inFlight: inFlight, partnerConfiguration: partnerConfiguration))
        }
    }

    /// Opens an account through the partner flow, as onboarding does.
    func openAccount(_ prefix: String) async throws -> FakturowniaAccountAccess {
        let opened = try await gateway.createAccount(
            FakturowniaNewAccount(prefix: prefix, user: .init(email: "\(prefix)@hotel.example", password: Secret("owner-password-1"))),
            integrationToken: Secret(partnerConfiguration.integrationToken), on: partner)
        return opened.access
    }

    /// The provider requests the simulator received for `prefix` with this method and path.
    func requests(_ method: String, _ path: String, prefix: String) async -> [FakturowniaRequestRecord] {
        await sandbox.state.requests.filter { $0.method == method && $0.path == path && $0.prefix == prefix }
    }

    func inject(_ fault: FakturowniaFault) async {
        await sandbox.state.inject(fault)
    }

    static func prefix(of access: FakturowniaAccountAccess) -> String {
        access.baseURL.lastPathComponent
    }

    /// A night at a guesthouse for a private guest: 2 × 8 % lodging and a 23 % breakfast.
    static func draft(oid: String, lodging: Int64 = 43_200, breakfast: Int64 = 4_999) -> FakturowniaInvoiceDraft {
        FakturowniaInvoiceDraft(
            kind: .vat, oid: oid,
            buyer: FakturowniaBuyer(.privatePerson(firstName: "Jan", lastName: "Kowalski"), email: "jan@guest.example", city: "Kraków", country: "PL"),
            positions: [
                FakturowniaPositionDraft(name: "Nocleg", quantity: 2, unit: "noc", tax: .rate8, totalGross: MinorUnits(lodging)),
                FakturowniaPositionDraft(name: "Śniadanie", tax: .rate23, totalGross: MinorUnits(breakfast)),
            ],
            currency: "PLN", paymentTo: "2030-01-15")
    }
}

/// Records the waits the gateway asks for, and returns at once.
final class SleepRecorder: Sendable {
    private let waits = Mutex<[Duration]>([])

    var recorded: [Duration] { waits.withLock { $0 } }

    func record(_ duration: Duration) {
        waits.withLock { $0.append(duration) }
    }
}
