import Foundation

/// Looks at the machine's running processes, to prove that nothing outlives an evaluation.
public enum ProcessTable {
    /// True if a running process other than the test runner has `text` in its command line.
    public static func contains(_ text: String) -> Bool {
        !commands(containing: text).isEmpty
    }

    /// The command lines of the running processes (the test runner's aside) that contain `text`.
    public static func commands(containing text: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.compactMap { entry in
            guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty else { return nil }
            let command = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            guard command.contains(text), !command.contains("EvolvePackageTests"), !command.contains("swift-test") else { return nil }
            return "\(entry): \(command)"
        }
    }
}
