import EvolveController
import EvolveCore
import EvolveDatabase
import Foundation

/// The runs a server shows: one run folder, the runs of a problem directory (found again on every
/// listing, so runs started later appear), or the live run `evolve run --ui` serves beside.
/// Stored runs are opened read-only, once each.
public actor RunCatalog {
    public enum Source: Sendable {
        case runFolder(RunDirectory)
        case problem(URL)
        case live(name: String, store: any ProgramStore)
    }

    public struct Entry: Sendable {
        public var name: String
        public var store: any ProgramStore
        /// True for the run `evolve run --ui` serves beside: it is still going.
        public var isLive: Bool
    }

    private let source: Source
    private var opened: [String: Entry] = [:]

    public init(_ source: Source) {
        self.source = source
        if case .live(let name, let store) = source { opened[name] = Entry(name: name, store: store, isLive: true) }
    }

    /// What a path given on the command line names: a run folder, else a problem directory with runs.
    public static func source(for path: String) -> Source? {
        let url = URL(fileURLWithPath: path)
        let run = RunDirectory(url: url)
        if run.exists { return .runFolder(run) }
        return RunDirectory.latest(in: url) == nil ? nil : .problem(url)
    }

    /// The run names, oldest first.
    public func names() -> [String] {
        switch source {
        case .runFolder(let run): return [run.url.lastPathComponent]
        case .live(let name, _): return [name]
        case .problem(let url):
            let runs = url.appendingPathComponent(RunDirectory.runsFolder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
            return names.sorted().filter { RunDirectory(url: runs.appendingPathComponent($0)).exists }
        }
    }

    /// The run called `name`, opened on first use; nil for a name this server does not show.
    public func entry(_ name: String) throws -> Entry? {
        if let entry = opened[name] { return entry }
        guard names().contains(name), let directory = directory(of: name) else { return nil }
        let entry = Entry(name: name, store: try directory.openStore(readOnly: true), isLive: false)
        opened[name] = entry
        return entry
    }

    private func directory(of name: String) -> RunDirectory? {
        switch source {
        case .runFolder(let run): return run
        case .problem(let url): return RunDirectory(url: url.appendingPathComponent(RunDirectory.runsFolder).appendingPathComponent(name))
        case .live: return nil
        }
    }
}
