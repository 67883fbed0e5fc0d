/// A change the model proposed: SEARCH/REPLACE edits applied in order, or a whole rewritten program;
/// for a multi-file program, such a change per file (see Mutation+Tree.swift).
public enum Mutation: Sendable, Hashable {
    case edits([SearchReplace])
    case rewrite(String)
    case files([FileChange])

    /// Which form the model is asked to answer in.
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        case diff, rewrite
    }

    /// The mutation as text for the record (and for showing it back to the model).
    public var rendered: String {
        switch self {
        case .edits(let edits):
            return edits.map(\.rendered).joined(separator: "\n")
        case .rewrite(let program):
            return "(rewrite)\n" + program
        case .files(let changes):
            return changes.map { "### \($0.path)\n" + $0.mutation.rendered }.joined(separator: "\n")
        }
    }
}

/// One file's change in a multi-file mutation: edits of it, or its whole new text.
public struct FileChange: Sendable, Hashable {
    public var path: String
    /// `.edits` or `.rewrite`.
    public var mutation: Mutation

    public init(path: String, mutation: Mutation) {
        self.path = path
        self.mutation = mutation
    }
}

/// One SEARCH/REPLACE block.
public struct SearchReplace: Sendable, Hashable {
    public var search: String
    public var replace: String

    public init(search: String, replace: String) {
        self.search = search
        self.replace = replace
    }

    public var rendered: String {
        "<<<<<<< SEARCH\n\(search)\n=======\n\(replace)\n>>>>>>> REPLACE"
    }
}

/// Why a model's answer could not become a child program. The message goes back to the model.
public struct MutationRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case noBlocks = "no_blocks"
        case malformedBlock = "malformed_block"
        case emptySearch = "empty_search"
        case noMatch = "no_match"
        case ambiguous
        case outsideEvolveBlock = "outside_evolve_block"
        case markersChanged = "markers_changed"
        case identical
        /// A SEARCH part that is the prompt's answer-form example, not lines of the program.
        case echoedExample = "echoed_example"
        /// The server stopped the answer at the token limit (`llm.max_tokens`) and what it held
        /// could not be used.
        case truncated
        /// A multi-file change names a file it may not change or create, or a path outside the program's folder.
        case pathRefused = "path_refused"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
