import Foundation

/// A tmux server of the test's own (its own socket), with one detached session to run a command
/// on a real terminal, type into it and read its screen.
struct Tmux {
    let socket = "evolve-test-\(UUID().uuidString.prefix(8))"
    let session = "evolve"

    static var isInstalled: Bool {
        ["/usr/bin/tmux", "/usr/local/bin/tmux"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts `command` (a shell command line) in a detached session of `width` × `height` characters.
    func start(_ command: String, width: Int, height: Int) throws {
        // The first command starts the server, which keeps the descriptors it was given: no pipe here.
        try run(["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", command], readOutput: false)
    }

    /// What the pane shows now; with `ansi`, with its colours and attributes as escape sequences.
    func capture(ansi: Bool = false) throws -> String {
        try run(["capture-pane", "-p", "-t", session] + (ansi ? ["-e"] : []))
    }

    /// A tmux format for the pane, e.g. `#{alternate_on}`.
    func format(_ format: String) throws -> String {
        try run(["display-message", "-p", "-t", session, format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func sendKeys(_ keys: String...) throws {
        try run(["send-keys", "-t", session] + keys)
    }

    /// True when the session exists (`list-sessions` names it).
    func hasSession() -> Bool {
        ((try? run(["list-sessions", "-F", "#{session_name}"])) ?? "").contains(session)
    }

    /// Kills the pane's process, then the server. The pane is killed first because SIGHUP, which
    /// kill-server sends it, may be ignored (a test run under nohup passes that on), and the
    /// server waits for its panes.
    func killServer() {
        if let pid = Int32((try? format("#{pane_pid}")) ?? "") { kill(pid, SIGKILL) }
        _ = try? run(["kill-server"])
    }

    /// Runs tmux with `arguments` against this server; its output, capped at 1 MB.
    @discardableResult
    func run(_ arguments: [String], readOutput: Bool = true) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux", "-L", socket] + arguments
        let output = Pipe()
        process.standardOutput = readOutput ? output : FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        guard readOutput else {
            // The client that starts the server is not always reaped in time for waitUntilExit:
            // wait for the session instead.
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !hasSession() {
                Thread.sleep(forTimeInterval: 0.05)
            }
            return ""
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data.prefix(1 << 20), as: UTF8.self)
    }
}

/// `text` quoted for a POSIX shell.
func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
