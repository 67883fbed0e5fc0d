import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs the peer driver as a child process with its output in a log file. Cancelling the calling
/// task sends it SIGTERM (the driver then stops the peer and its evaluators: SIGTERM, SIGKILL 5 s
/// later, a sweep of up to 3 s), and SIGKILL 20 seconds later if it is still there: killing the
/// driver during its clean-up would orphan the peer.
enum PeerProcess {
    static func run(_ executable: String, _ arguments: [String], log: URL) async throws -> Int32 {
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasSuffix("_API_KEY") }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do { try process.run() } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            guard process.isRunning else { return }
            process.terminate()
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + 20) { _ = kill(pid, SIGKILL) }
        }
    }
}
