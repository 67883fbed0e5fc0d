import HTTPTypes
import Hummingbird
import NIOCore

/// The page's files (beside this one, embedded in the binary at build time): nothing is fetched from anywhere else.
enum PageAssets {
    /// Scripts and styles only from this server, no inline script, no framing, no sniffing.
    static var securityHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return headers
    }

    static func response(_ text: String, type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The page: page.html (served as index.html), page.js (app.js) and page.css (app.css).
    static let html = String(decoding: PackageResources.page_html, as: UTF8.self)
    static let script = String(decoding: PackageResources.page_js, as: UTF8.self)
    static let style = String(decoding: PackageResources.page_css, as: UTF8.self)

    /// What a request without the token gets: token-form.html, a form that asks for it (no script, no run data).
    static let tokenForm = String(decoding: PackageResources.token_form_html, as: UTF8.self)
}
