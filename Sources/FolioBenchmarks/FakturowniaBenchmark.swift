import ArgumentParser
import AsyncHTTPClient
import FakturowniaSandbox
import FolioApp
import FolioDomain
import Foundation
import InvoiceboxSandbox
import InvoicingService
import Logging
import NIOCore
import NIOHTTP1
import PaymentsPort
import TenantRegistry

/// Folio's own share of an invoice create for a Fakturownia tenant: the same create through the
/// API and straight through the adapter, alternated, against the simulator in this process. Both
/// paths pay the simulator's time and share the machine with it, so their difference is what
/// Folio adds (authentication, validation, the two commits, the vault read, the response).
struct FakturowniaBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fakturownia",
        abstract: "Folio's added latency per invoice create with Fakturownia (p50/p99, sequential), against the simulator on loopback."
    )

    @Option(help: "Sequential creates measured on each path.")
    var creates = 300

    @Option(help: "Creates on each path before measuring, not counted.")
    var warmUp = 20

    @Option(help: "Invoices the tenant already holds when the creates start.")
    var existingInvoices = 0

    @OptionGroup var database: BenchmarkDatabase

    func run() async throws {
        let logger = InvoicesBenchmark.quietLogger
        var simulatorConfiguration = FakturowniaConfiguration()
        // Webhooks are no part of a create: the simulator drops them instead of posting them to
        // an address nobody listens on, on either path alike.
        simulatorConfiguration.dropWebhookDeliveries = true
        let partner = simulatorConfiguration
        let simulator = FakturowniaSandbox(configuration: simulatorConfiguration, logger: logger)
        try await simulator.withRunningServer { simulatorURL in
            let wiring: @Sendable (inout FolioAppConfiguration) -> Void = { configuration in
                configuration.fakturownia.accountURLTemplate = simulatorURL.absoluteString + "/{prefix}"
                configuration.fakturownia.partnerPrefix = partner.partnerPrefix
                configuration.fakturownia.partnerToken = Secret(partner.partnerAPIToken)
                configuration.fakturownia.integrationToken = Secret(partner.integrationToken)
            }
            try await Stack.run(
                database: database, connections: 8, sandboxConfiguration: .fast, logger: logger, configure: wiring
            ) { stack, _, _, apiURL in
                try await InvoicesBenchmark.withLoadClient(connections: 1) { client in
                    try await measure(stack: stack, simulator: simulator, simulatorURL: simulatorURL, apiURL: apiURL, client: client)
                }
            }
        }
    }

    func measure(stack: Stack, simulator: FakturowniaSandbox, simulatorURL: URL, apiURL: String, client: HTTPClient) async throws {
        let runID = UUID().uuidString.prefix(8).lowercased()
        let prefix = "bench-\(runID)"
        let (tenant, _) = try await stack.tenants.register(TenantRegistration(externalID: "bench-fakturownia-\(runID)", displayName: nil))
        // The account opened as a platform opens it, through the API: Folio keeps its token and
        // webhook secret in the vault, as for any tenant.
        _ = try await InvoicesBenchmark.call(
            .POST, "\(apiURL)/v1/tenants/\(tenant.id)/invoicing/account", key: stack.platformKey, body: Self.openAccountBody(prefix: prefix),
            expect: 200, client: client)
        try await stack.insertInvoices(tenant.id, count: existingInvoices, request: Stack.benchmarkRequest, logger: stack.logger)
        guard let token = await simulator.state.apiToken(of: prefix) else { throw ValidationError("the simulator opened no account \(prefix)") }
        let shop = ShopCredentials(
            merchantID: prefix, token: Secret(token), baseURL: simulatorURL.appendingPathComponent(prefix), tenant: tenant.id, provider: .fakturownia)
        let path = "\(apiURL)/v1/tenants/\(tenant.id)/invoices"
        let rawURL = simulatorURL.absoluteString + "/\(prefix)/invoices.json"

        var simulatorAlone: [Duration] = []
        var adapter: [Duration] = []
        var throughAPI: [Duration] = []
        for round in 0..<(warmUp + creates) {
            let measured = round >= warmUp
            // The simulator alone: the wire request the adapter would send, without the adapter.
            let rawBegin = ContinuousClock.now
            try await Self.postRaw(rawURL, token: token, client: client)
            if measured { simulatorAlone.append(ContinuousClock.now - rawBegin) }

            let draft = Self.request.draft(invoiceID: UUID(), notificationURL: nil, defaultExpiry: Date().addingTimeInterval(86_400))
            let adapterBegin = ContinuousClock.now
            _ = try await stack.provider.createOrder(draft, shop: shop)
            if measured { adapter.append(ContinuousClock.now - adapterBegin) }

            let apiBegin = ContinuousClock.now
            _ = try await InvoicesBenchmark.call(.POST, path, key: stack.platformKey, body: Self.createBody, expect: 201, client: client)
            if measured { throughAPI.append(ContinuousClock.now - apiBegin) }
        }
        print("create invoice with Fakturownia, \(creates) sequential on each path (\(warmUp) warm-up), \(existingInvoices) invoices already held")
        print("  simulator alone (raw HTTP): \(Stats.summary(simulatorAlone, unit: .milliseconds))")
        print("  provider call (adapter):    \(Stats.summary(adapter, unit: .milliseconds))")
        print("  through Folio's API:        \(Stats.summary(throughAPI, unit: .milliseconds))")
        let added50 = Stats.seconds(of: Stats.percentile(throughAPI.sorted(), 0.5)) - Stats.seconds(of: Stats.percentile(adapter.sorted(), 0.5))
        let added99 = Stats.seconds(of: Stats.percentile(throughAPI.sorted(), 0.99)) - Stats.seconds(of: Stats.percentile(adapter.sorted(), 0.99))
        print(String(format: "  Folio's added latency per create (API − provider call): p50 %.2f ms, p99 %.2f ms", added50 * 1e3, added99 * 1e3))
    }

    /// `POST /invoices.json` with the body the adapter builds for `request`, give or take field order.
    static func postRaw(_ url: String, token: String, client: HTTPClient) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        let body = """
            {"api_token":"\(token)","invoice":{"kind":"vat","number":null,"oid":"\(UUID().uuidString.lowercased())","oid_unique":"yes",
             "currency":"PLN","lang":"pl","payment_to_kind":"other_date","payment_to":"\(FakturowniaCalendarText.tomorrow)",
             "buyer_company":"1","buyer_name":"Żagiel sp. z o.o.","buyer_tax_no":"5252248481","buyer_email":"ksiegowosc@zagiel.example",
             "description":"Pobyt w Hotelu Aurora",
             "positions":[{"name":"Pokój standard, 2 noce","quantity":"2","quantity_unit":"noc","tax":"8","total_price_gross":"900.00"},
                          {"name":"Śniadanie","quantity":"2","quantity_unit":"szt","tax":"23","total_price_gross":"123.00"}]}}
            """
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 22)
        guard response.status.code == 201 else {
            throw ValidationError("the simulator answered \(response.status.code): \(String(buffer: data).prefix(300))")
        }
    }

    static func openAccountBody(prefix: String) -> String {
        #"{"provider":"fakturownia","fakturownia":{"prefix":"\#(prefix)","email":"recepcja@\#(prefix).example","company":{"name":"Hotel Aurora sp. z o.o.","taxNumber":"5252248481","city":"Gdynia"}}}"#
    }

    /// Two nights at 450.00 PLN with 8 % VAT and two breakfasts at 23 %, for a company guest: the
    /// create of the white-label case.
    static let createBody = """
        {"reservationId":"PL-2026-0815","description":"Pobyt w Hotelu Aurora","currency":"PLN","language":"pl",
         "customer":{"type":"legal","name":"Żagiel sp. z o.o.","vatNumber":"5252248481","email":"ksiegowosc@zagiel.example"},
         "items":[{"sku":"ROOM","name":"Pokój standard, 2 noce","quantity":2,"unitPrice":45000,"vatCode":"PL_VAT8","measure":"noc"},
                  {"sku":"BRKF","name":"Śniadanie","quantity":2,"unitPrice":6150,"vatCode":"PL_VAT23"}]}
        """

    /// `createBody` as the service holds it, for the adapter's own path.
    static let request = InvoiceRequest(
        reservationID: "PL-2026-0815", description: "Pobyt w Hotelu Aurora", currency: .pln, language: "pl",
        customer: OrderCustomer(kind: .legal, name: "Żagiel sp. z o.o.", email: "ksiegowosc@zagiel.example", vatNumber: "5252248481"),
        items: [
            .init(sku: "ROOM", name: "Pokój standard, 2 noce", quantity: 2, unitPrice: 45_000, vatCode: .polish8, measure: "noc"),
            .init(sku: "BRKF", name: "Śniadanie", quantity: 2, unitPrice: 6_150, vatCode: .polish23),
        ]
    )
}

/// Dates as the raw request writes them.
enum FakturowniaCalendarText {
    static var tomorrow: String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/Warsaw")
        return formatter.string(from: Date().addingTimeInterval(86_400))
    }
}
