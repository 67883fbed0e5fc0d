import HTTPTypes
import Hummingbird
import NIOCore

/// The page's files, compiled into the binary: nothing is fetched from anywhere else.
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

    /// What a request without the token gets: a form that asks for it (no script, no run data).
    static let tokenForm = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Evolve: token needed</title></head>
        <body style="font: 15px system-ui, sans-serif; margin: 40px">
        <h1>Evolve</h1>
        <p>This server needs its access token (printed when it started).</p>
        <form method="get" action="/"><input name="token" type="password" autofocus aria-label="token"> <button>Open</button></form>
        </body></html>
        """
}
