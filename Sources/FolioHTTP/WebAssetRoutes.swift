import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Serves the web components and the spec, without a key: neither holds anything secret, and a
/// host's page loads the module cross-origin, so each is open to every origin.
struct WebAssetRoutes {
    let assets: WebAssets

    func register(on router: Router<FolioRequestContext>) {
        router.get("/components/:file") { request, context -> Response in
            let file = try context.parameters.require("file")
            switch file {
            case "folio.js":
                // Revalidated on every load, so that a page using the plain name picks up a release.
                return Self.serve(assets.components, to: request, cacheControl: "no-cache")
            case "folio.\(assets.components.digest).js":
                return Self.serve(assets.components, to: request, cacheControl: "public, max-age=31536000, immutable")
            default:
                // A problem rather than Hummingbird's 404, which would first ask for a key.
                throw APIProblem(status: .notFound, code: "not_found", detail: "No such file: /components/\(file).")
            }
        }
        router.get("/openapi.yaml") { request, _ -> Response in
            Self.serve(assets.specification, to: request, cacheControl: "no-cache")
        }
    }

    static func serve(_ asset: WebAssets.Asset, to request: Request, cacheControl: String) -> Response {
        var headers: HTTPFields = [
            .eTag: asset.etag,
            .cacheControl: cacheControl,
            .accessControlAllowOrigin: "*",
            .xContentTypeOptions: "nosniff",
        ]
        if let presented = request.headers[.ifNoneMatch], Self.matches(presented, etag: asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        headers[.contentLength] = String(asset.body.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.body)))
    }

    /// `If-None-Match` is a list of tags, possibly weak, or `*`.
    static func matches(_ header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}
