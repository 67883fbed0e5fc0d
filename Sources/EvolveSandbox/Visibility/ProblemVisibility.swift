import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What of the problem directory a candidate may read (`sandbox.hide`, `sandbox.expose`).
///
/// Dot-files and dot-directories anywhere (`.env`, `.git`, `.ssh`) and the top-level `runs/` (every
/// prompt and program of every run) are always hidden; `hide` adds glob patterns, and a non-empty
/// `expose` hides everything it does not match. Patterns follow .gitignore's shape: one without a
/// `/` matches a name at any depth (`*.key`), one with a `/` matches the path from the problem
/// directory (`data/*.csv`; a leading `/` anchors a plain name, `/runs`), and `**` crosses folders.
public struct ProblemVisibility: Sendable, Hashable {
    public static let alwaysHidden = [".*", "/runs"]

    public var hide: [String]
    public var expose: [String]

    public init(hide: [String] = [], expose: [String] = []) {
        self.hide = hide
        self.expose = expose
    }

    public static let `default` = ProblemVisibility()

    /// The paths (relative to `directory`, sorted) that must be masked: nothing below a listed
    /// folder is listed again. A symbolic link is masked by masking what it points to when that is
    /// inside the directory; one that points outside reaches nothing a sandbox mounts.
    public func hiddenPaths(in directory: URL) -> [String] {
        walk(directory).hidden
    }

    /// The unix sockets (relative to `directory`, sorted) a candidate could see. A gVisor sandbox
    /// with the model gateway may connect to the host sockets it sees (`--host-uds=open`), and
    /// gVisor cannot mask a socket with a bind mount (its file proxy cannot open one), so these
    /// keep such a sandbox from starting; `sandbox.hide` on their folder hides them.
    public func visibleSockets(in directory: URL) -> [String] {
        walk(directory).sockets
    }

    /// The paths to mask and the visible sockets, in one walk of the directory.
    private func walk(_ directory: URL) -> (hidden: [String], sockets: [String]) {
        let root = directory.standardizedFileURL.resolvingSymlinksInPath().path
        var hidden: Set<String> = []
        var sockets: [String] = []
        var pending = [""]
        while let folder = pending.popLast() {
            let absolute = folder.isEmpty ? root : root + "/" + folder
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: absolute) else { continue }
            for name in names {
                let path = folder.isEmpty ? name : folder + "/" + name
                var info = stat()
                guard lstat(root + "/" + path, &info) == 0 else { continue }
                let kind = info.st_mode & S_IFMT
                let isDirectory = kind == S_IFDIR
                let visible = isVisible(path, isDirectory: isDirectory)
                if kind == S_IFSOCK, visible {
                    sockets.append(path)
                } else if kind == S_IFLNK {
                    if !visible, let target = Self.target(ofLink: root + "/" + path, inside: root) { hidden.insert(target) }
                } else if !visible {
                    hidden.insert(path)
                } else if isDirectory {
                    pending.append(path)
                }
            }
        }
        // A link's target may lie inside another hidden folder: keep only the outermost paths.
        let sorted = hidden.sorted()
        return (sorted.filter { path in !sorted.contains { path.hasPrefix($0 + "/") } }, sockets.sorted())
    }

    /// Whether a candidate may see `path`; a folder counts as visible when something inside it may be exposed.
    func isVisible(_ path: String, isDirectory: Bool) -> Bool {
        if (Self.alwaysHidden + hide).contains(where: { Self.matches($0, path) }) { return false }
        guard !expose.isEmpty else { return true }
        if expose.contains(where: { Self.matches($0, path) || Self.matchesAncestor(path, $0) }) { return true }
        return isDirectory && expose.contains { Self.mayMatchInside(path, $0) }
    }

    /// Whether `pattern` matches `path`, or one of its leading folders when `path` lies below it.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        var pattern = pattern
        while pattern.count > 1, pattern.hasSuffix("/") { pattern.removeLast() }
        if !pattern.contains("/") {
            return fnmatch(pattern, (path as NSString).lastPathComponent, 0) == 0
        }
        if pattern.hasPrefix("/") { pattern.removeFirst() }
        if pattern.contains("**") {
            let loose = pattern.replacingOccurrences(of: "**/", with: "*").replacingOccurrences(of: "**", with: "*")
            return fnmatch(loose, path, 0) == 0
        }
        return fnmatch(pattern, path, FNM_PATHNAME) == 0
    }

    /// Whether an exposed pattern matches a folder that contains `path` (everything below it is exposed).
    static func matchesAncestor(_ path: String, _ pattern: String) -> Bool {
        var components = path.split(separator: "/").map(String.init)
        components.removeLast()
        var prefix = ""
        for component in components {
            prefix = prefix.isEmpty ? component : prefix + "/" + component
            if matches(pattern, prefix) { return true }
        }
        return false
    }

    /// Whether `pattern` could match something inside the folder `path`.
    static func mayMatchInside(_ folder: String, _ pattern: String) -> Bool {
        var pattern = pattern
        let anchored = pattern.hasPrefix("/")
        if anchored { pattern.removeFirst() }
        while pattern.count > 1, pattern.hasSuffix("/") { pattern.removeLast() }
        // A name pattern may match at any depth; an anchored name only at the top.
        guard pattern.contains("/") else { return !anchored }
        if pattern.contains("**") { return true }
        let wanted = pattern.split(separator: "/").map(String.init)
        let have = folder.split(separator: "/").map(String.init)
        guard have.count < wanted.count else { return false }
        return zip(wanted, have).allSatisfy { fnmatch($0, $1, 0) == 0 }
    }

    /// The path relative to `root` that the link at `path` resolves to, if it resolves inside `root`.
    static func target(ofLink path: String, inside root: String) -> String? {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard resolved.hasPrefix(root + "/"), FileManager.default.fileExists(atPath: resolved) else { return nil }
        return String(resolved.dropFirst(root.count + 1))
    }
}

/// How a sandbox masks one hidden path: an empty folder (tmpfs) over a folder, an empty file over anything else.
public struct HiddenPath: Sendable, Hashable {
    public var relativePath: String
    public var isDirectory: Bool

    /// The hidden paths of `directory`, each with its kind.
    public static func all(in directory: URL, visibility: ProblemVisibility) -> [HiddenPath] {
        visibility.hiddenPaths(in: directory).map { path in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path, isDirectory: &isDirectory)
            return HiddenPath(relativePath: path, isDirectory: isDirectory.boolValue)
        }
    }
}
