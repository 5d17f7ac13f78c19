import FolioDomain

/// A shop's key for the signatures of its provider's notifications, with the hash function of
/// the HMAC the shop chose for it: the choice belongs to the key, so a rotated key keeps its own.
package struct NotificationKey: Sendable {
    /// The hash functions a notification's HMAC may use.
    package enum Algorithm: String, Sendable, CaseIterable {
        case sha1, sha256, sha512

        /// What a key stored before shops could choose was used with.
        package static let standard = Algorithm.sha1
    }

    package var secret: Secret
    package var algorithm: Algorithm

    package init(secret: Secret, algorithm: Algorithm = .standard) {
        self.secret = secret
        self.algorithm = algorithm
    }
}
