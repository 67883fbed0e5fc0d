import EvolveCore
import EvolveDatabase
import Testing

@Test("a parent's recent failed children come back with it, newest first, so their errors reach the model")
func failedChildrenFollowTheirParent() {
    var database = ProgramDatabase(configuration: ArchiveConfiguration(search: SearchConfiguration(islands: 1, exploitation: 1, fitnessProportional: 0)))
    let parent = Program(
        id: ProgramID("parent"), parentID: nil, origin: .initial, iteration: 0, island: 0, generation: 0, code: "x = 1\n",
        result: EvaluationResult(status: .success, score: 1), features: ["length": 6, "nesting": 0])
    database.add(parent)
    for index in 1...3 {
        database.add(Program(
            id: ProgramID("child\(index)"), parentID: parent.id, origin: .mutation, iteration: index, island: 0, generation: 1,
            code: "x = \(index) +\n", result: .failure(.crashed, "SyntaxError number \(index)")))
    }
    let selection = database.sample(island: 0)
    #expect(selection?.parent.id == parent.id)
    #expect(selection?.failedChildren.map(\.id.rawValue) == ["child3", "child2"])
}
