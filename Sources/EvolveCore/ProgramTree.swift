import Foundation

/// A candidate that is a tree of text files (a multi-file problem: `program:` names a directory).
///
/// In the archive, the store and the sandbox's job, a tree travels as one text, its `encoded`
/// form: a header line, then per file (sorted by path) a line `%file BYTES PATH` and the file's
/// bytes and a newline. Byte counts make the form unambiguous whatever the files hold, and the
/// sorted order makes equal trees equal texts (the duplicate check compares texts).
public struct ProgramTree: Sendable, Hashable {
    public static let header = "%evolve-tree 1"

    /// File text by path relative to the tree's root ("/"-separated, no `.` or `..` parts).
    public var files: [String: String]

    public init(files: [String: String]) {
        self.files = files
    }

    public var paths: [String] { files.keys.sorted() }

    /// True when `code` is an encoded tree rather than one program file.
    public static func isTree(_ code: String) -> Bool {
        code.hasPrefix(header + "\n")
    }

    public var encoded: String {
        var text = Self.header + "\n"
        for path in paths {
            let content = files[path]!
            text += "%file \(content.utf8.count) \(path)\n" + content + "\n"
        }
        return text
    }

    /// The language of most of the files the tree's extensions name ("" when none is known).
    public var mainLanguage: String {
        let languages = paths.map(ProblemConfiguration.language(forFile:)).filter { !$0.isEmpty }
        let counts = Dictionary(languages.map { ($0, 1) }, uniquingKeysWith: +)
        return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? ""
    }

    /// The files one after another, each under a `==> path <==` line, for people to read.
    public var readable: String {
        paths.map { "==> \($0) <==\n" + files[$0]! }.joined(separator: "\n")
    }

    /// Reads an encoded tree; nil when `code` is not one (or is damaged).
    public init?(decoding code: String) {
        guard Self.isTree(code) else { return nil }
        let bytes = Array(code.utf8)
        var index = Self.header.utf8.count + 1
        var files: [String: String] = [:]
        while index < bytes.count {
            guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            let line = String(decoding: bytes[index..<newline], as: UTF8.self)
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, parts[0] == "%file", let count = Int(parts[1]), count >= 0,
                newline + 1 + count < bytes.count, bytes[newline + 1 + count] == UInt8(ascii: "\n")
            else { return nil }
            files[String(parts[2])] = String(decoding: bytes[(newline + 1)..<(newline + 1 + count)], as: UTF8.self)
            index = newline + 2 + count
        }
        self.files = files
    }

    /// Why `path` cannot name a file of a tree, or nil when it can: it must be relative, stay
    /// inside the tree, and have no empty, `.` or `..` parts.
    public static func problem(withPath path: String) -> String? {
        if path.isEmpty { return "the path is empty" }
        if path.hasPrefix("/") || path.hasPrefix("~") { return "`\(path)` is not relative to the program's folder" }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains(where: { $0 == ".." }) { return "`\(path)` leaves the program's folder" }
        if parts.contains(where: { $0.isEmpty || $0 == "." }) { return "`\(path)` has an empty or `.` part" }
        if path.contains(where: { $0.isNewline || $0 == "\0" }) { return "the path has a line break or a NUL character" }
        return nil
    }

    /// Why `text` cannot be a file of a tree (binary content), or nil.
    public static func problem(withContent text: String, path: String) -> String? {
        text.utf8.contains(0) ? "`\(path)` holds NUL bytes: only text files are evolved" : nil
    }
}

extension ProgramTree {
    /// Reads every file under `directory`. Symbolic links, files that are not UTF-8 text and
    /// special files are refused with the path and the reason.
    public static func load(directory: URL) throws(ProgramTreeError) -> ProgramTree {
        let fileManager = FileManager.default
        let root = directory.standardizedFileURL.path
        guard let walker = fileManager.enumerator(atPath: root) else {
            throw ProgramTreeError("the program folder \(root) cannot be read")
        }
        var files: [String: String] = [:]
        for case let relative as String in walker {
            let path = root + "/" + relative
            guard let attributes = try? fileManager.attributesOfItem(atPath: path), let type = attributes[.type] as? FileAttributeType else {
                throw ProgramTreeError("`\(relative)` in the program folder cannot be read")
            }
            switch type {
            case .typeDirectory:
                continue
            case .typeSymbolicLink:
                throw ProgramTreeError("`\(relative)` in the program folder is a symbolic link: candidates are trees of plain text files")
            case .typeRegular:
                guard let data = fileManager.contents(atPath: path), !data.contains(0), let text = String(data: data, encoding: .utf8) else {
                    throw ProgramTreeError(
                        "`\(relative)` in the program folder is not a UTF-8 text file: keep binary files outside `program:` (the evaluator can read them from the problem folder)")
                }
                files[relative] = normalizeNewlines(text)
            default:
                throw ProgramTreeError("`\(relative)` in the program folder is not a regular file")
            }
        }
        guard !files.isEmpty else { throw ProgramTreeError("the program folder \(root) holds no files") }
        return ProgramTree(files: files)
    }

    /// Writes the tree's files under `directory` (created as needed), each readable by all.
    public func write(to directory: URL) throws {
        let fileManager = FileManager.default
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try fileManager.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try Data(text.utf8).write(to: url)
            _ = chmod(url.path, 0o644)
        }
    }
}

/// Why a program folder cannot be a multi-file candidate.
public struct ProgramTreeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
