import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The terminal the dashboard draws on: the alternate screen with the cursor hidden while it is
/// open, and the normal screen, a visible cursor and reset attributes once it is closed, on every
/// way out (a finished or failed run through `close`, a second Ctrl-C through `closeOpenScreen`).
final class TerminalScreen: Sendable {
    private static let escape = "\u{1B}["

    private struct State {
        var open = false
        var lastFrame: [String] = []
        var lastSize = (width: 0, height: 0)
    }

    private let state = Mutex(State())
    /// The screen that is open, so that the second Ctrl-C's immediate exit can close it.
    private static let current = Mutex<TerminalScreen?>(nil)

    /// True when standard output and standard error are both a terminal that can draw (TERM is set and not `dumb`).
    static func isInteractive(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard isatty(STDOUT_FILENO) != 0, isatty(STDERR_FILENO) != 0 else { return false }
        guard let term = environment["TERM"], !term.isEmpty, term != "dumb" else { return false }
        return true
    }

    /// Switches to the alternate screen and hides the cursor.
    func open() {
        state.withLock { state in
            guard !state.open else { return }
            state.open = true
            Self.send(Self.escape + "?1049h" + Self.escape + "?25l" + Self.escape + "H" + Self.escape + "2J")
        }
        Self.current.withLock { $0 = self }
    }

    /// Draws `lines` from the top left, unless they are what is on the screen already.
    func draw(_ lines: [StyledLine], size: (width: Int, height: Int)) {
        let frame = lines.map(\.ansi)
        state.withLock { state in
            guard state.open else { return }
            let resized = size != state.lastSize
            guard resized || frame != state.lastFrame else { return }
            state.lastFrame = frame
            state.lastSize = size
            let clear = resized ? Self.escape + "2J" : ""
            let body = frame.map { $0 + Self.escape + "K" }.joined(separator: "\r\n")
            Self.send(clear + Self.escape + "H" + body + Self.escape + "J")
        }
    }

    /// Back to the normal screen with the cursor shown and attributes reset; once, whoever calls first.
    func close() {
        state.withLock { state in
            guard state.open else { return }
            state.open = false
            Self.send(Self.escape + "0m" + Self.escape + "?25h" + Self.escape + "?1049l")
        }
        Self.current.withLock { if $0 === self { $0 = nil } }
    }

    /// Closes the screen that is open, if any: called before the process exits at once.
    static func closeOpenScreen() {
        current.withLock { $0 }?.close()
    }

    /// The terminal's size now (standard output's window), or 80 × 24 when it cannot be read.
    static func size() -> (width: Int, height: Int) {
        var window = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else { return (80, 24) }
        return (Int(window.ws_col), Int(window.ws_row))
    }

    private static func send(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
