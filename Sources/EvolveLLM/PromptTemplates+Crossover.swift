extension PromptTemplates {
    /// A crossover's user prompt. Placeholders: `{{parent}}` (the first parent, the one the answer
    /// changes), `{{second_parent}}`, `{{last_evaluation}}`, `{{instructions}}`, `{{format}}`.
    public static let crossover = """
        Two programs from different parts of the search follow. Write a child of the first that \
        combines the strengths of both: keep what makes each score well, drop what holds each back.

        {{parent}}
        {{last_evaluation}}
        {{second_parent}}
        ## What to do
        Combine the two programs into one that should score higher than either. The change applies \
        to the current (first) program. {{instructions}}
        {{format}}
        """
}
