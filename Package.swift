// swift-tools-version:6.1
import PackageDescription

/// Applied to every hand-written target; the generated `FolioAPI` target is left out because
/// the generator's empty output files would otherwise flood the build with warnings.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Each target lists exactly the modules it imports.
let argumentParser: Target.Dependency =
    .product(name: "ArgumentParser", package: "swift-argument-parser")
let asyncHTTPClient: Target.Dependency =
    .product(name: "AsyncHTTPClient", package: "async-http-client")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let httpTypes: Target.Dependency = .product(name: "HTTPTypes", package: "swift-http-types")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let hummingbirdTesting: Target.Dependency =
    .product(name: "HummingbirdTesting", package: "hummingbird")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioFoundationCompat: Target.Dependency =
    .product(name: "NIOFoundationCompat", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")
let openAPIHummingbird: Target.Dependency =
    .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird")
let openAPIRuntime: Target.Dependency =
    .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")
let postgres: Target.Dependency = .product(name: "PostgresNIO", package: "postgres-nio")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let serviceLifecycle: Target.Dependency =
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

let package = Package(
    name: "folio",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "folio", targets: ["Folio"]),
        .executable(name: "folio-bench", targets: ["FolioBenchmarks"]),
        .executable(name: "folio-sandbox", targets: ["FolioSandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "FolioDomain",
            swiftSettings: strictSettings
        ),
        .systemLibrary(
            name: "CQREncode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        .target(
            name: "PaymentQRCode",
            dependencies: ["CQREncode"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TenantRegistry",
            dependencies: ["FolioDomain", crypto, logging, metrics, nioCore, nioSSL, postgres, serviceLifecycle],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TokenVault",
            dependencies: ["FolioDomain", "TenantRegistry", crypto, logging, metrics, postgres],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JSONWire",
            dependencies: ["FolioDomain"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PaymentsPort",
            dependencies: ["FolioDomain", crypto],
            swiftSettings: strictSettings
        ),
        .target(
            name: "InvoiceboxAdapter",
            dependencies: [
                "FolioDomain", "JSONWire", "PaymentsPort", asyncHTTPClient, crypto, logging, metrics, nioCore,
                nioFoundationCompat, nioHTTP1,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HTTPServing",
            dependencies: [hummingbird, logging, nioCore, serviceLifecycle],
            swiftSettings: strictSettings
        ),
        .target(
            name: "InvoiceboxSandbox",
            dependencies: [
                "HTTPServing", asyncHTTPClient, crypto, httpTypes, hummingbird, logging, nioCore,
                nioFoundationCompat, nioHTTP1, serviceLifecycle,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FakturowniaSandbox",
            dependencies: [
                "HTTPServing", asyncHTTPClient, httpTypes, hummingbird, logging, nioCore, nioFoundationCompat, nioHTTP1, serviceLifecycle,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FakturowniaAdapter",
            dependencies: ["FolioDomain", "JSONWire", "PaymentsPort", asyncHTTPClient, crypto, logging, metrics, nioCore, nioFoundationCompat, nioHTTP1],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FolioSandbox",
            dependencies: ["FakturowniaSandbox", "InvoiceboxSandbox", argumentParser, hummingbird, logging],
            swiftSettings: strictSettings
        ),
        .target(
            name: "InvoicingService",
            dependencies: [
                "FolioDomain", "PaymentsPort", "TenantRegistry", "TokenVault", logging, metrics,
                postgres, serviceLifecycle,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "StatusUpdater",
            dependencies: [
                "FolioDomain", "InvoicingService", "JSONWire", "PaymentsPort", "TenantRegistry",
                asyncHTTPClient, crypto, logging, metrics, nioCore, nioHTTP1, postgres,
                serviceLifecycle,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FolioAPI",
            dependencies: ["FolioDomain", openAPIRuntime],
            plugins: [
                .plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")
            ]
        ),
        .target(
            name: "FolioHTTP",
            dependencies: [
                "FolioAPI", "FolioDomain", "InvoicingService", "PaymentQRCode", "PaymentsPort",
                "StatusUpdater", "TenantRegistry", "TokenVault", crypto, httpTypes, hummingbird, logging,
                metrics, nioCore, openAPIHummingbird, openAPIRuntime, prometheus,
            ],
            // The browser's side (the embeddable components and the demo host page), and the spec,
            // served at `/openapi.yaml` so that hosts generate their clients from the running service.
            resources: [.copy("Resources/components"), .copy("Resources/demo"), .copy("Resources/openapi.yaml")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FolioApp",
            dependencies: [
                "FakturowniaAdapter", "FolioDomain", "FolioHTTP", "InvoiceboxAdapter", "InvoicingService", "PaymentsPort",
                "StatusUpdater", "TenantRegistry", "TokenVault", asyncHTTPClient, httpTypes, hummingbird,
                logging, metrics, nioCore, nioFoundationCompat, nioHTTP1, postgres, prometheus,
                serviceLifecycle,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FolioCLI",
            dependencies: [
                "FakturowniaSandbox", "FolioApp", "FolioDomain", "InvoiceboxAdapter", "InvoiceboxSandbox",
                "InvoicingService", "PaymentsPort", "StatusUpdater", "TenantRegistry", "TokenVault",
                argumentParser, crypto, hummingbird, logging, metrics, postgres, prometheus,
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "Folio",
            dependencies: ["FolioCLI", argumentParser],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FolioBenchmarks",
            dependencies: [
                "FakturowniaSandbox", "FolioApp", "FolioDomain", "FolioHTTP", "HTTPServing", "InvoiceboxAdapter", "InvoiceboxSandbox",
                "InvoicingService", "PaymentsPort", "StatusUpdater", "TenantRegistry", "TokenVault",
                argumentParser, asyncHTTPClient, hummingbird, logging, metrics, nioCore, nioFoundationCompat,
                nioHTTP1, postgres, prometheus,
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FolioTestSupport",
            dependencies: ["FolioDomain", "TenantRegistry", logging, metrics, postgres, prometheus],
            path: "Tests/FolioTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TenantRegistryTests",
            dependencies: ["FolioDomain", "FolioTestSupport", "TenantRegistry", postgres, serviceLifecycle],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FolioCLITests",
            dependencies: ["FolioCLI", "FolioDomain", "StatusUpdater", "TenantRegistry", "TokenVault", postgres],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TokenVaultTests",
            dependencies: [
                "FolioDomain", "FolioTestSupport", "TenantRegistry", "TokenVault", logging,
                postgres,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "InvoiceboxAdapterTests",
            dependencies: [
                "FolioDomain", "FolioTestSupport", "InvoiceboxAdapter", "InvoiceboxSandbox", "JSONWire",
                "PaymentsPort", asyncHTTPClient, logging, nioCore, nioFoundationCompat, nioHTTP1,
                prometheus,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "InvoiceboxSandboxTests",
            dependencies: [
                "FolioTestSupport", "HTTPServing", "InvoiceboxSandbox", asyncHTTPClient, httpTypes, hummingbird,
                logging, nioCore, nioFoundationCompat, nioHTTP1,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FakturowniaSandboxTests",
            dependencies: [
                "FakturowniaSandbox", "HTTPServing", asyncHTTPClient, httpTypes, hummingbird, logging, nioCore, nioFoundationCompat, nioHTTP1,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FakturowniaAdapterTests",
            dependencies: [
                "FakturowniaAdapter", "FakturowniaSandbox", "FolioDomain", "FolioTestSupport", "HTTPServing", "JSONWire", "PaymentsPort",
                asyncHTTPClient, httpTypes, hummingbird, logging, metrics, nioCore, nioFoundationCompat, nioHTTP1, prometheus,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PaymentQRCodeTests",
            dependencies: ["FolioTestSupport", "PaymentQRCode"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FolioHTTPTests",
            dependencies: [
                "FakturowniaAdapter", "FakturowniaSandbox", "FolioApp", "FolioDomain", "FolioHTTP", "FolioTestSupport", "HTTPServing", "InvoiceboxAdapter",
                "InvoiceboxSandbox", "InvoicingService", "PaymentsPort", "StatusUpdater",
                "TenantRegistry", "TokenVault", asyncHTTPClient, crypto, httpTypes, hummingbird,
                hummingbirdTesting, logging, nioCore, nioFoundationCompat, postgres, prometheus,
                serviceLifecycle,
            ],
            swiftSettings: strictSettings
        ),
    ]
)
