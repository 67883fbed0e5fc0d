import Foundation

extension ProcessSandbox {
    /// Everything a process sandbox is made with.
    public struct Configuration: Sendable, Hashable {
        /// Where temporary evaluation directories are made.
        public var temporaryRoot: URL
        /// `PATH` inside the evaluation; Debian's interpreters come first.
        public var searchPath: String

        public init(
            temporaryRoot: URL = FileManager.default.temporaryDirectory, searchPath: String = "/usr/local/bin:/usr/bin:/bin"
        ) {
            self.temporaryRoot = temporaryRoot
            self.searchPath = searchPath
        }
    }
}
