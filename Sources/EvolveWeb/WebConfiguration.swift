import Foundation

/// Where the web page listens and who may read it. Loopback by default; any other address needs a
/// token, which every request must then carry (`Authorization: Bearer`, `?token=` or the cookie
/// the page sets after the token was given once).
public struct WebConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    public var token: String?
    /// How often a page's live stream looks for new programs.
    public var pollInterval: Duration

    public init(host: String = "127.0.0.1", port: Int = 0, token: String? = nil, pollInterval: Duration = .milliseconds(500)) {
        self.host = host
        self.port = port
        self.token = token
        self.pollInterval = pollInterval
    }

    /// True for 127.0.0.0/8, ::1 and `localhost`: only this machine can connect.
    public var isLoopback: Bool { Self.isLoopback(host) }

    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// The configuration to serve with: a non-loopback address without a token gets a new one
    /// (`generated` is true then, so the caller prints it once).
    public func withRequiredToken() -> (configuration: WebConfiguration, generated: Bool) {
        guard token == nil, !isLoopback else { return (self, false) }
        var configuration = self
        configuration.token = Self.newToken()
        return (configuration, true)
    }

    /// 32 random hex digits.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next() & 0xFFFF_FFFF, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }
}
