import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

@Suite("evolve serve: a multi-file program's page, in headless Chromium", .serialized)
struct MultiFilePageTests {
    static let answer = """
        Rank by density; skip what does not fit.

        solver/rank.py
        <<<<<<< SEARCH
            return item.value
        =======
            return item.value / item.weight
        >>>>>>> REPLACE

        solver/plan.py
        <<<<<<< SEARCH
                    break
        =======
                    continue
        >>>>>>> REPLACE
        """

    @Test("the child's diff is shown per file, each under its path, and its code as files", .enabled(if: HeadlessChromium.runsTests))
    func perFileDiff() async throws {
        let problem = try TemporaryDirectory(prefix: "evolve-web-tree")
        defer { problem.remove() }
        try problem.copyContents(of: PackagePaths.root.appendingPathComponent("examples/python_package"))
        try await LoopbackLLMServer.with(script: { _ in .answer(Self.answer) }) { server in
            let run = try EvolveProcess(runArguments(problem, server: server, iterations: 1))
            defer { run.stop() }
            guard try await run.waitForExit(timeout: 300), run.process.terminationStatus == 0 else {
                throw WebDriverError("evolve run failed: \(run.stderr)")
            }
        }
        let runDirectory = problem.url.appendingPathComponent("runs/first")
        let programs = try await SQLiteProgramStore(path: runDirectory.appendingPathComponent("evolve.sqlite").path, readOnly: true).allPrograms()
        let child = try #require(programs.first { $0.origin == .mutation })
        let server = try EvolveProcess(["serve", runDirectory.path, "--port", "0"])
        defer { server.stop() }
        let address = try #require(try await server.address(), "stdout: \(server.stdout) stderr: \(server.stderr)")
        try await HeadlessChromium.with { browser in
            try await browser.open(address.absoluteString + "#program=\(child.id)")
            #expect(try await browser.wait(until: "document.getElementById('program-diff').textContent.length > 0"))
            let files = try await browser.evaluate("[...document.querySelectorAll('#program-diff .file')].map(e => e.textContent).join('|')")
            #expect(files == "### solver/plan.py|### solver/rank.py", "\(files)")
            let diff = try await browser.evaluate("document.getElementById('program-diff').textContent")
            #expect(diff.contains("+     return item.value / item.weight") && diff.contains("-             break"), "\(diff)")
            #expect(!diff.contains("%file"))
            try await browser.screenshot(to: screenshotFile("page-program-files"))
        }
    }
}
