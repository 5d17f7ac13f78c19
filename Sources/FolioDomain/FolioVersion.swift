/// Folio's version, as sent in the `User-Agent` of provider requests.
package enum FolioVersion {
    package static let current = "0.1.0"
}
