import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension FolioConfiguration {
    /// The settings whose URL carries traffic unencrypted beyond this machine: plain `http` to a
    /// host other than loopback. Folio starts anyway (a TLS-terminating proxy may sit on the
    /// path), but says so.
    package var plainHTTPSettings: [String] {
        var names: [String] = []
        if Self.isPlainHTTPBeyondLoopback(invoiceboxBaseURL) { names.append("FOLIO_INVOICEBOX_BASE_URL") }
        if Self.isPlainHTTPBeyondLoopback(publicBaseURL) { names.append("FOLIO_PUBLIC_BASE_URL") }
        if let hostWebhookURL, Self.isPlainHTTPBeyondLoopback(hostWebhookURL) { names.append("FOLIO_HOST_WEBHOOK_URL") }
        return names
    }

    package static func isPlainHTTPBeyondLoopback(_ url: URL) -> Bool {
        guard url.scheme?.lowercased() == "http" else { return false }
        guard var host = url.host?.lowercased(), !host.isEmpty else { return true }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        // RFC 6761 reserves `localhost` and its subdomains for loopback.
        if host == "localhost" || host.hasSuffix(".localhost") { return false }
        var ipv6 = in6_addr()
        if inet_pton(AF_INET6, host, &ipv6) == 1 {
            return withUnsafeBytes(of: &ipv6) { bytes in !(bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1) }
        }
        var ipv4 = in_addr()
        if inet_pton(AF_INET, host, &ipv4) == 1 {
            // 127.0.0.0/8; the address is in network byte order, its first byte first.
            return withUnsafeBytes(of: &ipv4) { bytes in bytes.first != 127 }
        }
        return true
    }
}
