/// The few WebDriver (W3C) messages `HeadlessChromium` sends and reads, as typed values.
enum WebDriver {
    /// Every answer wraps its content in `value`.
    struct Answer<Value: Decodable>: Decodable { var value: Value }

    /// The `value` of a refused command.
    struct Failure: Decodable {
        var error: String
        var message: String?
    }

    /// A request without a body.
    struct Empty: Encodable {}

    /// `POST /session`: a headless Chromium of the given window size.
    struct NewSession: Encodable {
        struct Capabilities: Encodable {
            struct AlwaysMatch: Encodable {
                struct ChromeOptions: Encodable {
                    var binary: String
                    var args: [String]
                }
                var browserName = "chrome"
                var chromeOptions: ChromeOptions
                enum CodingKeys: String, CodingKey {
                    case browserName
                    case chromeOptions = "goog:chromeOptions"
                }
            }
            var alwaysMatch: AlwaysMatch
        }
        var capabilities: Capabilities

        init(width: Int, height: Int, binary: String) {
            let args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)"]
            let options = Capabilities.AlwaysMatch.ChromeOptions(binary: binary, args: args)
            capabilities = Capabilities(alwaysMatch: .init(chromeOptions: options))
        }
    }

    struct Session: Decodable { var sessionId: String }
    struct Status: Decodable { var ready: Bool }
    struct Navigate: Encodable { var url: String }

    /// `POST /execute/sync`: a script without arguments.
    struct Script: Encodable {
        var script: String
        var args: [String] = []
    }
}
