import AsyncHTTPClient
import EvolveCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Debian's headless Chromium, driven through chromedriver's WebDriver HTTP API: open a page,
/// evaluate JavaScript in it, wait for a condition, take a screenshot. As a person would see it.
public final class HeadlessChromium: Sendable {
    public static let chromiumPath = "/usr/bin/chromium"
    public static let driverPath = "/usr/bin/chromedriver"

    /// chromium and chromedriver are installed (`apt-get install chromium chromium-driver`).
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: chromiumPath) && FileManager.default.isExecutableFile(atPath: driverPath)
    }

    /// Run the tests that need Chromium: always in CI, which installs it.
    public static var runsTests: Bool { TestEnvironment.isCI || isInstalled }

    private let driver: Process
    private let base: String
    private let session: String
    private let client: HTTPClient

    private init(driver: Process, base: String, session: String, client: HTTPClient) {
        self.driver = driver
        self.base = base
        self.session = session
        self.client = client
    }

    /// Starts chromedriver on a free loopback port and a headless browser session of `width`×`height`.
    public static func start(width: Int = 1280, height: Int = 1000) async throws -> HeadlessChromium {
        let port = try await freePort()
        let driver = Process()
        driver.executableURL = URL(fileURLWithPath: driverPath)
        driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let base = "http://127.0.0.1:\(port)"
        do {
            try await waitUntilReady(client: client, base: base)
            let capabilities = WebDriver.NewSession(width: width, height: height, binary: chromiumPath)
            let answer = try await send(client, "POST", base + "/session", body: capabilities, answer: WebDriver.Session.self)
            return HeadlessChromium(driver: driver, base: base, session: answer.sessionId, client: client)
        } catch {
            driver.terminate()
            try? await client.shutdown()
            throw error
        }
    }

    /// Loads `url` in the browser and waits for its load event.
    public func open(_ url: String) async throws {
        _ = try await command("POST", "/url", body: WebDriver.Navigate(url: url), answer: JSONValue?.self)
    }

    /// The value of a JavaScript expression in the page, as a string.
    public func evaluate(_ expression: String) async throws -> String {
        let script = WebDriver.Script(script: "return String(\(expression));")
        let answer = try await command("POST", "/execute/sync", body: script, answer: JSONValue?.self)
        if case .string(let text) = answer { return text }
        return ""
    }

    /// Waits until `expression` is true in the page; false if `timeout` seconds pass first.
    @discardableResult
    public func wait(until expression: String, timeout: Double = 20) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? await evaluate("!!(\(expression))")) == "true" { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// A PNG of the browser's window, written to `file` (its folder is made if needed).
    public func screenshot(to file: URL) async throws {
        let base64 = try await command("GET", "/screenshot", body: WebDriver.Empty?.none, answer: String.self)
        guard let data = Data(base64Encoded: base64) else {
            throw WebDriverError("no screenshot in chromedriver's answer")
        }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    /// Starts a browser, hands it to `body`, and quits it after, whatever happened.
    public static func with<T>(_ body: (HeadlessChromium) async throws -> T) async throws -> T {
        let browser = try await start()
        do {
            let result = try await body(browser)
            await browser.quit()
            return result
        } catch {
            await browser.quit()
            throw error
        }
    }

    /// Ends the session (the browser), chromedriver (SIGKILL if it is still there after 5 s) and
    /// the HTTP client, without blocking a thread.
    public func quit() async {
        _ = try? await command("DELETE", "", body: WebDriver.Empty?.none, answer: JSONValue?.self)
        driver.terminate()
        let deadline = Date().addingTimeInterval(5)
        while driver.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
        try? await client.shutdown()
    }

    private func command<Body: Encodable, Answer: Decodable>(
        _ method: String, _ path: String, body: Body?, answer: Answer.Type
    ) async throws -> Answer {
        try await Self.send(client, method, base + "/session/" + session + path, body: body, answer: answer)
    }

    /// One WebDriver request; its `value`, or the driver's error as a `WebDriverError`.
    private static func send<Body: Encodable, Answer: Decodable>(
        _ client: HTTPClient, _ method: String, _ url: String, body: Body?, answer: Answer.Type
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let data = Data(try await response.body.collect(upTo: 64 << 20).readableBytesView)
        if let failure = try? JSONDecoder().decode(WebDriver.Answer<WebDriver.Failure>.self, from: data) {
            throw WebDriverError("\(failure.value.error): \(failure.value.message ?? "")")
        }
        do {
            return try JSONDecoder().decode(WebDriver.Answer<Answer>.self, from: data).value
        } catch {
            throw WebDriverError("unexpected answer from chromedriver: \(String(decoding: data, as: UTF8.self).prefix(300))")
        }
    }

    private static func waitUntilReady(client: HTTPClient, base: String) async throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let status = try? await send(client, "GET", base + "/status", body: WebDriver.Empty?.none, answer: WebDriver.Status.self)
            if status?.ready == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError("chromedriver did not become ready within 20 s")
    }

    /// A loopback port nothing listens on now.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}

/// chromedriver refused a command or did not start.
public struct WebDriverError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
