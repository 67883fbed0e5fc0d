import Foundation

extension Problem {
    /// The starting program: one file's text, or a folder's files as an encoded `ProgramTree`;
    /// its EVOLVE-BLOCK markers must pair up in every file, and a tree needs a file the model may change.
    static func startingProgram(
        directory: URL, configuration: ProblemConfiguration, file: URL, locate: ([String]) -> Int?
    ) throws(ConfigurationError) -> String {
        let programURL = directory.appendingPathComponent(configuration.program)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: programURL.path, isDirectory: &isFolder) else {
            throw ConfigurationError(
                file: file.path, line: locate(["program"]), key: "program",
                message: "the program file `\(configuration.program)` is missing from \(directory.path)")
        }
        guard isFolder.boolValue else {
            guard let program = try? String(contentsOf: programURL, encoding: .utf8) else {
                throw ConfigurationError(
                    file: file.path, line: locate(["program"]), key: "program",
                    message: "the program file `\(configuration.program)` is not readable UTF-8 text")
            }
            let text = normalizeNewlines(program)
            try checkMarkers(text, file: programURL.path)
            return text
        }
        return try startingTree(programURL, configuration: configuration, file: file, locate: locate).encoded
    }

    private static func startingTree(
        _ folder: URL, configuration: ProblemConfiguration, file: URL, locate: ([String]) -> Int?
    ) throws(ConfigurationError) -> ProgramTree {
        let tree: ProgramTree
        do {
            tree = try ProgramTree.load(directory: folder)
        } catch {
            throw ConfigurationError(file: file.path, line: locate(["program"]), key: "program", message: error.message)
        }
        for path in tree.paths {
            try checkMarkers(tree.files[path]!, file: folder.appendingPathComponent(path).path)
        }
        guard tree.paths.contains(where: configuration.files.allowsChange) else {
            throw ConfigurationError(
                file: file.path, line: locate(["files"]), key: "files",
                message: "no file of `\(configuration.program)` matches files.mutable without matching files.immutable: the model could change nothing")
        }
        return tree
    }

    private static func checkMarkers(_ text: String, file: String) throws(ConfigurationError) {
        do {
            _ = try EvolveBlock.regionTexts(in: text)
        } catch {
            throw ConfigurationError(file: file, line: nil, key: nil, message: error.message)
        }
    }
}
