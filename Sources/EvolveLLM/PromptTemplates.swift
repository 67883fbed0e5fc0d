/// Evolve's built-in prompt templates. A problem overrides any of them with `prompts/NAME.md`.
/// `{{name}}` placeholders are filled by `PromptBuilder`; unknown placeholders are left as they are.
public enum PromptTemplates {
    public static let defaults: [String: String] = [
        "system": system,
        "user": user,
        "diff_format": diffFormat,
        "rewrite_format": rewriteFormat,
        "feedback": feedback,
        "crossover": crossover,
    ]

    /// Placeholders: `{{description}}`, `{{goal}}`, `{{language}}`.
    public static let system = """
        You improve one program at a time in an evolutionary search. An evaluator runs every \
        program you write and scores it; better programs survive and are shown to you again.

        The task:
        {{description}}

        Scoring: {{goal}}
        Only the lines between EVOLVE-BLOCK-START and EVOLVE-BLOCK-END may change. Everything \
        outside those markers is fixed: keep it exactly as it is. The program is written in {{language}}.
        """

    /// Placeholders: `{{parent}}` (score, metrics and code of the program to change),
    /// `{{last_evaluation}}`, `{{top_programs}}`, `{{inspirations}}`, `{{instructions}}` (the task,
    /// `PromptTemplates.instructions` unless `search.meta_prompt` chose another text), `{{format}}`.
    public static let user = """
        {{parent}}
        {{last_evaluation}}
        {{top_programs}}
        {{inspirations}}
        ## What to do
        {{instructions}}
        {{format}}
        """

    public static let diffFormat = """
        Say in a sentence or two what you change and why, then give the change as one or more blocks:

        <<<<<<< SEARCH
        lines copied exactly from the current program
        =======
        the lines that replace them
        >>>>>>> REPLACE

        Each SEARCH part must match the current program exactly once, between the EVOLVE-BLOCK \
        markers, including indentation. Keep each block small; use several blocks for several places.
        """

    /// Placeholder: `{{language}}`.
    public static let rewriteFormat = """
        Say in a sentence or two what you change and why, then give the complete new program in one \
        fenced ```{{language}} block. Keep the EVOLVE-BLOCK-START and EVOLVE-BLOCK-END lines and \
        everything outside them unchanged.
        """

    /// Placeholders: `{{reasons}}`, `{{format}}`.
    public static let feedback = """
        That answer could not be applied to the program:
        {{reasons}}

        Try again from the current program shown earlier.
        {{format}}
        """
}
