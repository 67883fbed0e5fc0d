/// Model answers for examples/knapsack, written as a model would: prose around SEARCH/REPLACE blocks.
public enum KnapsackAnswers {
    /// The greedy loop of the starting program, exactly as it appears there.
    public static let greedyBody = """
            # Greedy by value per unit of weight: optimal for fractional knapsack, not for 0/1.
            order = sorted(range(len(items)), key=lambda i: items[i][1] / items[i][0], reverse=True)
            chosen = []
            for i in order:
                if total_weight(items, chosen) + items[i][0] <= capacity:
                    chosen.append(i)
            return chosen
        """

    /// Replaces the greedy with exact dynamic programming over capacities: reaches the optimum, 275.
    public static let dynamicProgramming = """
        The greedy order is only optimal for the fractional problem. Dynamic programming over the \
        capacity solves the 0/1 problem exactly.

        <<<<<<< SEARCH
        \(greedyBody)
        =======
            n = len(items)
            best = [[0] * (capacity + 1) for _ in range(n + 1)]
            for i, (weight, value) in enumerate(items, 1):
                for c in range(capacity + 1):
                    best[i][c] = best[i - 1][c]
                    if weight <= c and best[i - 1][c - weight] + value > best[i][c]:
                        best[i][c] = best[i - 1][c - weight] + value
            chosen = []
            c = capacity
            for i in range(n, 0, -1):
                if best[i][c] != best[i - 1][c]:
                    chosen.append(i - 1)
                    c -= items[i - 1][0]
            return chosen
        >>>>>>> REPLACE
        """

    /// Games the evaluator: returns the indices that are optimal for evaluate.py's own instance
    /// (275) whatever the items, so it fails on any other instance.
    public static let hardCoded = """
        The best selection for these items is known, so return it directly.

        <<<<<<< SEARCH
        \(greedyBody)
        =======
            return [0, 2, 3, 4, 5, 8, 10]
        >>>>>>> REPLACE
        """

    /// A held-out evaluator for examples/knapsack (`evaluator.final`): the same checks on another
    /// instance, whose optimum (40) the starting greedy misses (30).
    public static let heldOutEvaluator = """
        import json
        import sys

        sys.dont_write_bytecode = True
        import evaluate

        evaluate.ITEMS = [(6, 30), (5, 20), (5, 20)]
        evaluate.CAPACITY = 10
        print(json.dumps(evaluate.evaluate(sys.argv[1])))

        """

    /// A harmless change that makes a new, distinct child every time: a numbered comment line.
    public static func variant(_ number: Int) -> String {
        """
        Adding a note.

        ```
        <<<<<<< SEARCH
            order = sorted(range(len(items)), key=lambda i: items[i][1] / items[i][0], reverse=True)
        =======
            # variant \(number)
            order = sorted(range(len(items)), key=lambda i: items[i][1] / items[i][0], reverse=True)
        >>>>>>> REPLACE
        ```
        """
    }
}
