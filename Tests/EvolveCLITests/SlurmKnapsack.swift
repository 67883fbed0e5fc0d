import EvolveTesting
import Foundation

/// The knapsack example on the Slurm backend with process isolation and its folders on `shared`;
/// each child's evaluation sleeps `sleep` seconds first (the starting program's does not), so that
/// a test finds the run mid-evaluation.
func slurmKnapsack(
    shared: String, placement: String, sleep: Int, timeout: Int, iterations: Int = 40
) throws -> TemporaryDirectory {
    let problem = try slowChildrenKnapsack(sleep: sleep)
    let yaml = problem.url.appendingPathComponent("evolve.yaml")
    try (try String(contentsOf: yaml, encoding: .utf8))
        .replacingOccurrences(of: "iterations: 40", with: "iterations: \(iterations)")
        .replacingOccurrences(
            of: "sandbox:\n  timeout: 10",
            with: "sandbox:\n  timeout: \(timeout)\n  backend: slurm\n  slurm:\n    placement: \(placement)\n    isolation: process\n"
                + "    shared_directory: \(shared)")
        .write(to: yaml, atomically: true, encoding: .utf8)
    return problem
}

/// The knapsack example whose evaluator sleeps `sleep` seconds before scoring a child (any program
/// with "variant" in it); the starting program is scored at once.
func slowChildrenKnapsack(sleep: Int) throws -> TemporaryDirectory {
    let problem = try knapsackProblem()
    try problem.write([
        "slow_evaluate.py": "import sys, time, runpy\nif 'variant' in open(sys.argv[1]).read():\n    time.sleep(\(sleep))\n"
            + "sys.argv = ['evaluate.py', sys.argv[1]]\nrunpy.run_path('evaluate.py', run_name='__main__')\n"
    ])
    let yaml = problem.url.appendingPathComponent("evolve.yaml")
    try (try String(contentsOf: yaml, encoding: .utf8))
        .replacingOccurrences(of: "python3 evaluate.py {program}", with: "python3 slow_evaluate.py {program}")
        .write(to: yaml, atomically: true, encoding: .utf8)
    return problem
}
