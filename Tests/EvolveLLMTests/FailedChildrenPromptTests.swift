import EvolveCore
import EvolveLLM
import Foundation
import Testing

@Test("the prompt shows why recent changes to the parent failed")
func promptShowsFailedChildren() {
    let problem = Problem(directory: URL(fileURLWithPath: "/tmp"), configuration: ProblemConfiguration(), initialProgram: "x = 1\n")
    let parent = Program(
        id: ProgramID("p"), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0, code: "x = 1\n",
        result: EvaluationResult(status: .success, score: 1))
    var failed = EvaluationResult.failure(.crashed, "the evaluator exited with status 1; last error line: NameError: name 'y' is not defined")
    failed.stderrTail = "Traceback (most recent call last):\n  File \"program.py\", line 3\nNameError: name 'y' is not defined\n"
    let child = Program(
        id: ProgramID("c"), parentID: parent.id, origin: .mutation, iteration: 1, island: 0, generation: 1, code: "x = y\n", result: failed)
    let messages = PromptBuilder(problem: problem).messages(for: Selection(parent: parent, topPrograms: [], inspirations: [], island: 0, failedChildren: [child]))
    let user = messages.last?.content ?? ""
    #expect(user.contains("## Previous attempts on this island"))
    #expect(user.contains("- Iteration 1, line 1: 1 line added, 1 removed. Failed (crashed): the evaluator exited with status 1"))
    #expect(user.contains("It changed the current program."))
    // The end of its standard error, under the line.
    #expect(user.contains("  ```\n  Traceback (most recent call last):\n    File \"program.py\", line 3\n  NameError: name 'y' is not defined\n  ```"))
}
