import EvolveCore
import EvolveTesting
import Foundation
import Testing

/// `examples/rust_crate`, a Cargo project of several modules, run by `evolve run` through gVisor
/// with a scripted model whose one answer changes two modules; the evaluator builds each candidate
/// with cargo, offline, in the sandbox's scratch folder.
@Suite("evolve run on examples/rust_crate (a multi-file Rust program)", .serialized)
struct RustCrateExampleTests {
    static let directory = PackagePaths.root.appendingPathComponent("examples/rust_crate")

    static let improvement = #"""
        Start from a nearest-neighbour tour, then remove crossings with 2-opt.

        src/tour.rs
        <<<<<<< SEARCH
        pub fn build(points: &[Point]) -> Vec<usize> {
            (0..points.len()).collect()
        }
        =======
        pub fn build(points: &[Point]) -> Vec<usize> {
            let mut left: Vec<usize> = (1..points.len()).collect();
            let mut order = vec![0];
            while !left.is_empty() {
                let here = points[*order.last().unwrap()];
                let (position, _) = left
                    .iter()
                    .enumerate()
                    .min_by(|a, b| distance(&here, &points[*a.1]).partial_cmp(&distance(&here, &points[*b.1])).unwrap())
                    .unwrap();
                order.push(left.remove(position));
            }
            order
        }
        >>>>>>> REPLACE

        src/improve.rs
        <<<<<<< SEARCH
        pub fn improve(_points: &[Point], _order: &mut Vec<usize>) {}
        =======
        pub fn improve(points: &[Point], order: &mut Vec<usize>) {
            let n = order.len();
            let mut improved = true;
            while improved {
                improved = false;
                for i in 0..n - 1 {
                    for j in i + 2..n {
                        let (a, b) = (points[order[i]], points[order[i + 1]]);
                        let (c, d) = (points[order[j]], points[order[(j + 1) % n]]);
                        if distance(&a, &c) + distance(&b, &d) < distance(&a, &b) + distance(&c, &d) - 1e-9 {
                            order[i + 1..=j].reverse();
                            improved = true;
                        }
                    }
                }
            }
        }
        >>>>>>> REPLACE
        """#

    static var cargoInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/cargo") }

    @Test(
        "a change across two modules builds offline inside gVisor and scores 1.153 from 0.204",
        .enabled(
            if: (ExampleCase.gVisorUsable && Self.cargoInstalled) || ProcessInfo.processInfo.environment["CI"] != nil,
            "needs root, /usr/bin/runsc and /usr/bin/cargo"))
    func improves() async throws {
        let problem = try TemporaryDirectory(prefix: "evolve-rust-crate")
        defer { problem.remove() }
        try problem.copyContents(of: Self.directory)
        try await LoopbackLLMServer.with(script: { _ in .answer(Self.improvement) }) { server in
            let runDirectory = problem.url.appendingPathComponent("runs/test").path
            let run = try runEvolve(
                [
                    "run", problem.url.path, "--provider", "openai", "--openai-url", server.url + "/v1", "--model-concurrency", "1",
                    "--iterations", "1", "--run-dir", runDirectory, "--sandbox", "gvisor", "--quiet",
                ], environment: ["OPENAI_API_KEY": "loopback"], timeout: 900)
            #expect(run.status == 0, "stdout: \(run.stdout)\nstderr: \(run.stderr)")
            let (start, best) = try await startAndBest(runDirectory: runDirectory)
            let child = try #require(best, "no scored child; stdout: \(run.stdout)")
            #expect(start.result.score == 0.204039, "\(start.result.failureReason ?? "") \(start.result.stderrTail.suffix(600))")
            #expect(child.result.score == 1.153283, "\(child.result.failureReason ?? "") \(child.result.artifacts)")
            let tree = try #require(ProgramTree(decoding: child.code))
            #expect(tree.files["src/improve.rs"]?.contains("reverse()") == true && tree.files["src/main.rs"] == ProgramTree(decoding: start.code)?.files["src/main.rs"])
            print("example rust_crate: start \(start.result.score ?? 0), scripted child \(child.result.score ?? 0), run \(String(format: "%.1f", run.seconds)) s")
        }
    }
}
