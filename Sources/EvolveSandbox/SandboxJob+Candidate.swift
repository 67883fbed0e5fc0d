import EvolveCore
import Foundation

extension SandboxJob {
    /// The candidate's files by path under the candidate folder: one file named
    /// `programFileName`, or for a multi-file program each file of the tree under a folder of that
    /// name (which `{program}` names).
    public var candidateFiles: [String: String] {
        guard let tree = ProgramTree(decoding: program) else { return [programFileName: program] }
        return Dictionary(uniqueKeysWithValues: tree.files.map { (programFileName + "/" + $0.key, $0.value) })
    }

    /// Writes the candidate into `directory` (created as needed), every file readable by all.
    func writeCandidate(into directory: URL) throws {
        try ProgramTree(files: candidateFiles).write(to: directory)
    }
}
