import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

@Suite("evolve serve: the page of a finished run, in headless Chromium", .serialized)
struct ServePageTests {
    @Test("the overview shows the best score, the lineage tree has a node per program, a program page shows its diff",
        .enabled(if: HeadlessChromium.runsTests))
    func finishedRun() async throws {
        // Every iteration drawn as a diff (`search.mutations`), so that each child records its kind.
        // With the honest verifiers, whose findings the best's page shows.
        let knapsack = try await finishedKnapsackRun(iterations: 8, search: "mutations: {diff: 1}", verified: true, script: knapsackScript)
        defer { knapsack.problem.remove() }
        let programs = try await knapsack.programs()
        let best = try #require(programs.first { $0.score == 275 })

        let server = try EvolveProcess(["serve", knapsack.run.path, "--port", "0"])
        defer { server.stop() }
        let address = try #require(try await server.address(), "stdout: \(server.stdout) stderr: \(server.stderr)")
        #expect(server.stdout.contains("serving \(knapsack.run.path) at http://127.0.0.1:"))
        try await HeadlessChromium.with { browser in

            try await browser.open(address.absoluteString)
            let ready = try await browser.wait(until: "document.body.dataset.ready === 'true'")
            let pageError = try await browser.evaluate("document.body.dataset.error")
            #expect(ready, "page error: \(pageError)")
            #expect(try await browser.evaluate("document.getElementById('best-score').textContent") == "275")
            #expect(try await browser.evaluate("document.getElementById('program-count').textContent") == String(programs.count))
            #expect(try await browser.evaluate("document.querySelectorAll('#score-chart circle.point').length") == String(programs.filter { $0.origin != .migration }.count))
            try await browser.screenshot(to: screenshotFile("page-overview"))

            try await browser.open(address.absoluteString + "#view=lineage")
            #expect(try await browser.wait(until: "document.body.dataset.ready === 'true'"))
            #expect(try await browser.evaluate("document.querySelectorAll('#lineage-tree g.node').length") == String(programs.count))
            #expect(try await browser.evaluate("document.querySelector('#lineage-tree g.node[data-id=\"\(best.id)\"]') !== null") == "true")
            try await browser.screenshot(to: screenshotFile("page-lineage"))

            // Clicking the best node opens its page: the diff against its parent, the model's answer.
            _ = try await browser.evaluate("document.querySelector('#lineage-tree g.node[data-id=\"\(best.id)\"]').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
            #expect(try await browser.wait(until: "document.getElementById('program-title').textContent.includes('\(best.id)')"))
            #expect(try await browser.wait(until: "document.getElementById('program-diff').textContent.length > 0"))
            let diff = try await browser.evaluate("document.getElementById('program-diff').textContent")
            #expect(diff.contains("+     best = [[0] * (capacity + 1) for _ in range(n + 1)]"), "\(diff)")
            #expect(diff.contains("-     order = sorted("), "\(diff)")
            #expect(try await browser.evaluate("document.getElementById('program-answer').textContent").contains("Dynamic programming over the capacity"))
            #expect(try await browser.evaluate("document.getElementById('program').hidden") == "false")
            let facts = try await browser.evaluate("document.getElementById('program-facts').textContent")
            #expect(facts.contains("mutation: diff"), "\(facts)")
            #expect(facts.contains("held-out score: 40"), "\(facts)")
            #expect(facts.contains("verified: rechecked 1×, stable (identical scores); held-out 40.0 (search 275.0)"), "\(facts)")
            try await browser.screenshot(to: screenshotFile("page-program"))

            // Where the run's time went: each child's stage times, as occupancy and in-flight lines.
            let children = programs.filter { $0.origin == .mutation }.count
            try await browser.open(address.absoluteString + "#view=throughput")
            #expect(try await browser.wait(until: "document.getElementById('throughput-note').textContent.length > 0"))
            #expect(try await browser.evaluate("document.getElementById('throughput-note').textContent").hasPrefix("\(children) children over "))
            #expect(try await browser.evaluate("document.getElementById('evaluation-busy').textContent").contains("% of "))
            #expect(Double(try await browser.evaluate("document.getElementById('throughput-rate').textContent")) ?? 0 > 0)
            let steps = try await browser.evaluate("document.querySelector('#throughput-chart polyline.evaluation-line').getAttribute('points').split(' ').length")
            #expect((Int(steps) ?? 0) >= 2 * children, "the evaluations' in-flight line has \(steps) points for \(children) children")
            try await browser.screenshot(to: screenshotFile("page-throughput"))
        }
    }

    @Test("`evolve show` prints a program's parent, children and diff; --write writes that version out")
    func show() async throws {
        let knapsack = try await finishedKnapsackRun(iterations: 8, script: knapsackScript)
        defer { knapsack.problem.remove() }
        let programs = try await knapsack.programs()
        let best = try #require(programs.first { $0.score == 275 })
        let parent = try #require(programs.first { $0.id == best.parentID })

        let shown = try EvolveProcess(["show", knapsack.run.path, best.id.rawValue])
        defer { shown.stop() }
        #expect(try await shown.waitForExit(timeout: 30))
        #expect(shown.process.terminationStatus == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("program \(best.id): score 275.0"), "\(shown.stdout)")
        #expect(shown.stdout.contains("parent: \(parent.id)"))
        #expect(shown.stdout.contains("+     best = [[0] * (capacity + 1) for _ in range(n + 1)]"), "\(shown.stdout)")

        let file = knapsack.problem.url.appendingPathComponent("parent.py")
        let written = try EvolveProcess(["show", knapsack.problem.url.path, String(parent.id.rawValue.prefix(12)), "--write", file.path])
        defer { written.stop() }
        #expect(try await written.waitForExit(timeout: 30))
        #expect(written.process.terminationStatus == 0, "\(written.stderr)")
        #expect(try String(contentsOf: file, encoding: .utf8) == parent.code)

        let missing = try EvolveProcess(["show", knapsack.run.path, "nosuchprogram"])
        defer { missing.stop() }
        #expect(try await missing.waitForExit(timeout: 30))
        #expect(missing.process.terminationStatus == 5)
        #expect(missing.stderr.contains("no program nosuchprogram"))
    }
}
