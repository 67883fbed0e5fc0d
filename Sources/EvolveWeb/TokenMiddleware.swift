import Foundation
import HTTPTypes
import Hummingbird

/// Refuses (401) every request that does not carry the server's token. The refusal's body is a
/// small form that asks for the token; a request that carries it in `?token=` gets it back as an
/// HttpOnly cookie, so the page's scripts, styles and streams need not repeat it.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    static var cookieName: String { "evolve_token" }
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let fromQuery = request.uri.queryParameters.get("token")
        let given = [fromQuery, bearer(request), cookie(request)].compactMap { $0 }
        guard given.contains(where: matches) else { return refusal() }
        var response = try await next(request, context)
        if let fromQuery, matches(fromQuery) {
            response.headers[.setCookie] = "\(Self.cookieName)=\(fromQuery); Path=/; HttpOnly; SameSite=Strict"
        }
        return response
    }

    /// Compares in time independent of where the strings differ.
    private func matches(_ candidate: String) -> Bool {
        let a = Array(candidate.utf8), b = Array(token.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func bearer(_ request: Request) -> String? {
        guard let value = request.headers[.authorization], value.hasPrefix("Bearer ") else { return nil }
        return String(value.dropFirst(7))
    }

    private func cookie(_ request: Request) -> String? {
        guard let header = request.headers[.cookie] else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == Self.cookieName { return String(pair[1]) }
        }
        return nil
    }

    private func refusal() -> Response {
        var headers = PageAssets.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.wwwAuthenticate] = "Bearer"
        return Response(status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(string: PageAssets.tokenForm)))
    }
}
