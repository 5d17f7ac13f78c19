import Crypto
import FolioDomain
import Foundation

/// A key that signs and verifies session tokens, named so that tokens say which one signed them.
package struct SessionKey: Sendable {
    package let id: String
    /// Kept as bytes: swift-crypto's key type is not `Sendable`, and making one per use is cheap.
    private let material: Data
    var key: SymmetricKey { SymmetricKey(data: material) }

    /// - Parameter material: at least 32 bytes; HMAC-SHA256 gains nothing from more.
    package init(id: String, material: Data) throws(SessionKeyError) {
        guard (1...32).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw .invalidID
        }
        guard material.count >= 32 else { throw .tooShort }
        self.id = id
        self.material = material
    }
}

package struct SessionKeyListError: Error {
    package let problems: [String]
}

package enum SessionKeyError: Error, Equatable {
    case invalidID
    case tooShort
}

/// Why a session token was refused. Deliberately coarse: a caller learns that a token is expired,
/// so that its page can ask the host for a new one, and nothing about why another is invalid.
package enum SessionTokenError: Error, Equatable {
    case invalid
    case expired
}

/// Mints and verifies the tokens that let a browser drive one tenant's components.
///
/// A token is `fs1.<payload>.<mac>`: the payload is base64url JSON naming the signing key, the
/// session, the tenant, the components, and the issue and expiry times; the MAC is HMAC-SHA256 of
/// `fs1.<payload>` under that key. The payload is signed, not encrypted: the components read the
/// tenant and the expiry from it, and it holds nothing secret. Verification needs no database,
/// so a session costs a request nothing but a hash.
package struct SessionTokens: Sendable {
    package static let prefix = "fs1."
    package static let defaultLifetime: Duration = .seconds(900)
    package static let maximumLifetime: Duration = .seconds(3600)

    /// The first key signs; every key verifies, so a key is rotated by putting a new one first and
    /// dropping the old one after the longest lifetime has passed.
    let keys: [SessionKey]

    package init?(keys: [SessionKey]) {
        guard !keys.isEmpty else { return nil }
        self.keys = keys
    }

    struct Payload: Codable {
        var v: Int
        var kid: String
        var sid: UUID
        var tid: String
        var cmp: [SessionComponent]
        var iat: Int64
        var exp: Int64
    }

    package func mint(
        tenant: TenantID, components: Set<SessionComponent>, lifetime: Duration = defaultLifetime, now: Date = Date()
    ) -> (token: String, session: TenantSession) {
        let signing = keys[0]
        let issued = Int64(now.timeIntervalSince1970.rounded(.down))
        let payload = Payload(
            v: 1, kid: signing.id, sid: UUID(), tid: tenant.description,
            cmp: SessionComponent.allCases.filter(components.contains), iat: issued, exp: issued + lifetime.components.seconds
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding a struct of strings, numbers and a UUID cannot fail.
        let body = Self.prefix + (try! encoder.encode(payload)).base64URLEncodedString()
        let mac = Data(HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: signing.key))
        let session = TenantSession(
            id: payload.sid, tenant: tenant, components: components, expiresAt: Date(timeIntervalSince1970: TimeInterval(payload.exp))
        )
        return (body + "." + mac.base64URLEncodedString(), session)
    }

    /// Parses `FOLIO_SESSION_KEYS`: comma-separated `id:base64` entries of at least 32 bytes each.
    package static func parseKeys(_ raw: String) -> Result<[SessionKey], SessionKeyListError> {
        var keys: [SessionKey] = []
        var problems: [String] = []
        for (index, entry) in raw.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let material = Data(base64Encoded: String(parts[1])) else {
                problems.append("entry \(index + 1) must be id:base64")
                continue
            }
            do {
                keys.append(try SessionKey(id: String(parts[0]), material: material))
            } catch .invalidID {
                problems.append("entry \(index + 1): the id must be 1 to 32 letters, digits, '-' or '_'")
            } catch {
                problems.append("entry \(index + 1): the key must be at least 32 bytes")
            }
        }
        if Set(keys.map(\.id)).count != keys.count { problems.append("two keys have the same id") }
        return problems.isEmpty ? .success(keys) : .failure(SessionKeyListError(problems: problems))
    }

    /// Whether `text` is meant as a session token rather than an API key.
    package static func looksLikeToken(_ text: String) -> Bool { text.hasPrefix(prefix) }

    package func verify(_ token: String, now: Date = Date()) throws(SessionTokenError) -> TenantSession {
        // Bounded before anything is decoded: a token is a few hundred bytes.
        guard token.utf8.count <= 2048, token.hasPrefix(Self.prefix) else { throw .invalid }
        let parts = token.dropFirst(Self.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payloadData = Data(base64URLEncoded: String(parts[0])),
            let mac = Data(base64URLEncoded: String(parts[1])),
            // One spelling per token: base64 decoders ignore a last character's spare bits, and a
            // token may one day serve as a key (revocation, limits).
            mac.base64URLEncodedString() == parts[1],
            let payload = try? JSONDecoder().decode(Payload.self, from: payloadData),
            payload.v == 1,
            let key = keys.first(where: { $0.id == payload.kid }),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data((Self.prefix + parts[0]).utf8), using: key.key),
            let tenant = TenantID(string: payload.tid),
            !payload.cmp.isEmpty,
            payload.exp > payload.iat, payload.exp - payload.iat <= Self.maximumLifetime.components.seconds
        else { throw .invalid }
        guard Date(timeIntervalSince1970: TimeInterval(payload.exp)) > now else { throw .expired }
        return TenantSession(
            id: payload.sid, tenant: tenant, components: Set(payload.cmp), expiresAt: Date(timeIntervalSince1970: TimeInterval(payload.exp))
        )
    }
}
