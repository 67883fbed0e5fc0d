import EvolveCore
import EvolveDatabase
import EvolveTesting
import Foundation
import Testing

@Suite("evolve run --ui: the page beside a live run, and /metrics", .serialized)
struct LivePageTests {
    @Test("a new child appears on the open page without a reload; /metrics carries the run's counters; the server ends with the run",
        .enabled(if: HeadlessChromium.runsTests))
    func liveRun() async throws {
        let problem = try TemporaryDirectory(prefix: "evolve-web-live")
        defer { problem.remove() }
        try problem.copyContents(of: PackagePaths.knapsackExample)
        // Slow answers, each a new child, so the page is open while children keep coming.
        try await LoopbackLLMServer.with(script: { request in .delayed(seconds: 0.6, .answer(noteAnswer("live \(request.index)"))) }) { server in
            let run = try EvolveProcess(runArguments(problem, server: server, iterations: 14) + ["--ui"])
            defer { run.stop() }
            let address = try #require(try await run.address(), "stderr: \(run.stderr)")
            #expect(run.stderr.contains("watch the run at \(address.absoluteString)"))

            try await HeadlessChromium.with { browser in
                try await browser.open(address.absoluteString + "#view=lineage")
                let ready = try await browser.wait(until: "document.body.dataset.ready === 'true'")
                let pageError = try await browser.evaluate("document.body.dataset.error")
                #expect(ready, "page error: \(pageError)")
                #expect(try await browser.evaluate("document.getElementById('live-badge').hidden") == "false")
                // A marker a reload would erase.
                _ = try await browser.evaluate("window.__sameLoad = 'yes'")
                let before = Int(try await browser.evaluate("document.querySelectorAll('#lineage-tree g.node').length")) ?? 0
                #expect(try await browser.wait(until: "document.querySelectorAll('#lineage-tree g.node').length > \(before) + 1", timeout: 60))
                #expect(try await browser.evaluate("window.__sameLoad") == "yes", "the page reloaded")
                try await browser.screenshot(to: screenshotFile("page-live-lineage"))

                // The throughput view follows the live run: its count of children grows in place.
                _ = try await browser.evaluate("location.hash = 'view=throughput'")
                #expect(try await browser.wait(until: "/^\\d+ children/.test(document.getElementById('throughput-note').textContent)"))
                let shown = try await browser.evaluate("parseInt(document.getElementById('throughput-note').textContent)")
                #expect(
                    try await browser.wait(until: "parseInt(document.getElementById('throughput-note').textContent) > \(shown)", timeout: 60),
                    "the throughput view did not follow the run")
                #expect(try await browser.evaluate("document.querySelector('#throughput-chart polyline.evaluation-line') !== null") == "true")
                #expect(try await browser.evaluate("window.__sameLoad") == "yes", "the page reloaded")
                try await browser.screenshot(to: screenshotFile("page-live-throughput"))

                let metrics = try await get(address.absoluteString + "metrics")
                #expect(metrics.status == 200)
                for name in [
                    #"evolve_evaluations{status="success"}"#, "evolve_model_calls", "evolve_tokens{kind=\"prompt\"}",
                    "evolve_model_seconds_bucket", "evolve_evaluation_seconds_bucket", "evolve_archive_size", "evolve_best_score 249",
                ] {
                    #expect(metrics.body.contains(name), "no \(name) in /metrics:\n\(metrics.body)")
                }

                // The run ends (its budget), and the page's server with it.
                #expect(try await run.waitForExit(timeout: 120), "stderr: \(run.stderr)")
                #expect(run.process.terminationStatus == 0, "stderr: \(run.stderr)")
                let store = try SQLiteProgramStore(path: problem.url.appendingPathComponent("runs/first/evolve.sqlite").path, readOnly: true)
                #expect(try await store.finishedIterations().count == 14)
                await #expect(throws: (any Error).self) { _ = try await get(address.absoluteString + "api/runs") }
            }
        }
    }
}

@Suite("the page's safety: escaping and the token", .serialized)
struct PageSafetyTests {
    static let payload = #"</script><img src=x onerror="document.title='pwned';window.__xss=1"><script>window.__xss=2</script>"#

    @Test("a program whose code and answer are an XSS payload is shown as text and does not run",
        .enabled(if: HeadlessChromium.runsTests))
    func escapesProgramText() async throws {
        let knapsack = try await finishedKnapsackRun(iterations: 2) { _ in .answer(noteAnswer(Self.payload)) }
        defer { knapsack.problem.remove() }
        let hostile = try #require(try await knapsack.programs().first { $0.code.contains(Self.payload) })

        let server = try EvolveProcess(["serve", knapsack.run.path, "--port", "0"])
        defer { server.stop() }
        let address = try #require(try await server.address(), "stderr: \(server.stderr)")
        try await HeadlessChromium.with { browser in
            try await browser.open(address.absoluteString + "#program=\(hostile.id)")
            #expect(try await browser.wait(until: "document.body.dataset.ready === 'true'"))
            #expect(try await browser.wait(until: "document.getElementById('program-code').textContent.length > 0"))
            #expect(try await browser.evaluate("document.getElementById('program-code').textContent").contains(Self.payload))
            #expect(try await browser.evaluate("document.getElementById('program-answer').textContent").contains(Self.payload))
            #expect(try await browser.evaluate("document.getElementById('program-diff').textContent").contains(Self.payload))
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await browser.evaluate("document.querySelectorAll('img').length") == "0")
            #expect(try await browser.evaluate("typeof window.__xss") == "undefined")
            #expect(try await browser.evaluate("document.title").hasPrefix("Evolve"))
            try await browser.screenshot(to: screenshotFile("page-xss"))
        }
    }

    @Test("bound off loopback, the server makes a token, prints it once, and refuses every request without it")
    func tokenOffLoopback() async throws {
        let knapsack = try await finishedKnapsackRun(iterations: 1) { _ in .answer(noteAnswer("one")) }
        defer { knapsack.problem.remove() }
        let server = try EvolveProcess(["serve", knapsack.problem.url.path, "--host", "0.0.0.0", "--port", "0"])
        defer { server.stop() }
        let address = try #require(try await server.address(), "stderr: \(server.stderr)")
        let port = try #require(address.port)
        let line = try #require(server.stdout.split(separator: "\n").first { $0.hasPrefix("access token (shown once): ") })
        let token = String(line.dropFirst("access token (shown once): ".count))
        #expect(token.count == 32)
        // 0.0.0.0 takes connections on every address, loopback included: the token is still required.
        let base = "http://127.0.0.1:\(port)"
        for path in ["/", "/app.js", "/api/runs", "/api/runs/first/programs", "/metrics"] {
            let refused = try await get(base + path)
            #expect(refused.status == 401, "\(path) answered \(refused.status) without the token")
            #expect(!refused.body.contains("initial"))
        }
        let form = try await get(base + "/")
        #expect(form.body.contains("needs its access token"))
        #expect(try await get(base + "/api/runs", headers: [("Authorization", "Bearer wrong" + token.dropFirst(5))]).status == 401)
        let allowed = try await get(base + "/api/runs", headers: [("Authorization", "Bearer \(token)")])
        #expect(allowed.status == 200)
        #expect(allowed.body.contains(#""name":"first""#))
        // The form's way in: ?token= once, then the cookie it sets.
        let page = try await get(base + "/?token=\(token)")
        #expect(page.status == 200)
        let cookie = try #require(page.headers.first { $0.0.lowercased() == "set-cookie" }?.1)
        #expect(cookie.contains("HttpOnly"))
        let cookiePair = String(cookie.split(separator: ";")[0])
        #expect(try await get(base + "/api/runs/first/overview", headers: [("Cookie", cookiePair)]).status == 200)
        // Read-only: nothing answers a write, token or not.
        for method in ["POST", "PUT", "DELETE"] {
            let write = try await get(base + "/api/runs/first/programs", method: method, headers: [("Authorization", "Bearer \(token)")])
            #expect([404, 405].contains(write.status), "\(method) answered \(write.status)")
        }
        #expect(server.stdout.components(separatedBy: token).count == 2, "the token is printed once")
    }
}
