import Crypto
import FolioDomain
import Foundation

/// The files Folio serves to browsers and to hosts' tooling, read once from the module's resources.
package struct WebAssets: Sendable {
    package struct Asset: Sendable {
        package let body: Data
        package let contentType: String
        /// A strong validator: the first 16 hex digits of the body's SHA-256.
        package let digest: String

        init(body: Data, contentType: String) {
            self.body = body
            self.contentType = contentType
            self.digest = SHA256.hash(data: body).prefix(8).lowercaseHex
        }

        package var etag: String { "\"\(digest)\"" }
    }

    /// The web components' module.
    package let components: Asset
    /// The host page `folio dev` serves at `/demo`.
    package let demoPage: Asset
    package let specification: Asset

    /// The module's immutable address: its digest is in the name, so a new release is a new URL and
    /// browsers may keep each one forever.
    package var versionedComponentsPath: String { "/components/folio.\(components.digest).js" }

    package static let bundled: WebAssets = {
        func resource(_ path: String) -> Data {
            guard let url = Bundle.module.url(forResource: path, withExtension: nil), let data = FileManager.default.contents(atPath: url.path) else {
                // The files are part of the build; without them the installation is broken.
                fatalError("Folio's bundled resource \(path) is missing from \(Bundle.module.bundlePath)")
            }
            return data
        }
        return WebAssets(
            components: Asset(body: resource("components/folio.js"), contentType: "text/javascript; charset=utf-8"),
            demoPage: Asset(body: resource("demo/index.html"), contentType: "text/html; charset=utf-8"),
            specification: Asset(body: resource("openapi.yaml"), contentType: "application/yaml; charset=utf-8")
        )
    }()
}
