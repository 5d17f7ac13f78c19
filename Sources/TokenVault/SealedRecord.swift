import FolioDomain
import Foundation

/// A vault record as stored: everything needed to decrypt, except the KEK.
package struct SealedRecord: Sendable, Equatable {
    package var tenant: TenantID
    package var purpose: VaultPurpose
    package var formatVersion: Int
    package var keyID: String
    /// The data key, sealed by the KEK (nonce, ciphertext and tag together).
    package var wrappedKey: Data
    package var nonce: Data
    /// The secret sealed by the data key, tag appended.
    package var ciphertext: Data
}
