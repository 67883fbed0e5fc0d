/// Evolve's built-in prompt templates. A problem overrides any of them with `prompts/NAME.md`.
/// `{{name}}` placeholders are filled by `PromptBuilder`; unknown placeholders are left as they are.
///
/// The user message is the `user` template filled with the sections, each rendered from its own
/// template. A section with nothing to show is empty (its template is not used). A filled section
/// ends with a blank line, so `user` places them without separators.
public enum PromptTemplates {
    public static let defaults: [String: String] = [
        "system": system,
        "user": user,
        "trimmed": trimmed,
        "previous_attempts": previousAttempts,
        "top_programs": topPrograms,
        "inspirations": inspirations,
        "other_islands": otherIslands,
        "parent_record": parentRecord,
        "last_evaluation": lastEvaluation,
        "current_program": currentProgram,
        "task": task,
        "diff_format": diffFormat,
        "rewrite_format": rewriteFormat,
        "feedback": feedback,
        "crossover": crossover,
        "current_files": currentFiles,
        "files_diff_format": filesDiffFormat,
        "files_rewrite_format": filesRewriteFormat,
    ]

    /// Placeholders: `{{description}}`, `{{goal}}`, `{{language}}`, `{{scope}}` (what may change:
    /// `scope` below, or `filesScope` for a multi-file program).
    public static let system = """
        You improve one program at a time in an evolutionary search. An evaluator runs every \
        program you write and scores it; better programs survive and are shown to you again.

        The task:
        {{description}}

        Scoring: {{goal}}
        {{scope}} The program is written in {{language}}.
        """

    /// What may change in one program file.
    public static let scope = "Only the lines between EVOLVE-BLOCK-START and EVOLVE-BLOCK-END may change. "
        + "Everything outside those markers is fixed: keep it exactly as it is."

    /// What may change in a multi-file program.
    public static let filesScope = "The program is a folder of files. Only the files marked * may change, and in a file with "
        + "EVOLVE-BLOCK-START and EVOLVE-BLOCK-END lines only the lines between them: keep everything else exactly as it is."

    /// The sections in order, least important first and the current program last, then the task.
    /// Placeholders: `{{trimmed}}`, `{{previous_attempts}}`, `{{top_programs}}`, `{{inspirations}}`,
    /// `{{other_islands}}`, `{{parent_record}}`, `{{last_evaluation}}`, `{{current_program}}`,
    /// `{{task}}`; also `{{parent}}` (the record and the code together) and `{{format}}`.
    public static let user = """
        {{trimmed}}{{previous_attempts}}{{top_programs}}{{inspirations}}{{other_islands}}\
        {{parent_record}}{{last_evaluation}}{{current_program}}{{task}}
        """

    /// Placeholder: `{{trimmed}}` (what was left out, as a list in words).
    public static let trimmed = """
        (Left out to fit the model's context: {{trimmed}}.)
        """

    /// Placeholders: `{{attempts}}` (one line each, newest first), `{{count}}`.
    public static let previousAttempts = """
        ## Previous attempts on this island
        Newest first. Each says what the change touched (read from its diff), how it scored, and \
        whether it beat the program it was made from.
        {{attempts}}
        """

    /// Placeholders: `{{programs}}` (each: its score and its EVOLVE-BLOCK text), `{{count}}`.
    public static let topPrograms = """
        ## Best programs so far
        {{programs}}
        """

    /// Placeholders: `{{programs}}` (each: its score, feature coordinates and EVOLVE-BLOCK text), `{{count}}`.
    public static let inspirations = """
        ## Different approaches from other cells of the archive
        {{programs}}
        """

    /// Placeholders: `{{programs}}` (each: its island, score and EVOLVE-BLOCK text), `{{count}}`.
    public static let otherIslands = """
        ## Programs from other islands
        Separate lines of search; borrow an idea if it helps.
        {{programs}}
        """

    /// Placeholders: `{{record}}` (the lines below, labelled), `{{score}}`, `{{metrics}}`,
    /// `{{features}}`, `{{trend}}`, `{{generation}}`, `{{island}}`.
    public static let parentRecord = """
        ## Current program
        {{record}}
        """

    /// Placeholders: `{{output}}` (the lines below, labelled), `{{failure}}`, `{{stderr}}`, `{{artifacts}}`.
    public static let lastEvaluation = """
        ## Last evaluation of the current program
        {{output}}
        """

    /// Placeholders: `{{code}}` (the whole program), `{{language}}`.
    public static let currentProgram = """
        The current program, in full:
        ```{{language}}
        {{code}}
        ```
        """

    /// A multi-file program. Placeholders: `{{listing}}` (every file, those the model may change
    /// marked), `{{changes}}` (its diff against the starting program, per file), `{{files}}` (the
    /// files shown in full, each under its path).
    public static let currentFiles = """
        The current program is a folder of files. Files marked * may be changed; the others are read-only:
        {{listing}}
        {{changes}}
        {{files}}
        """

    /// Placeholders: `{{instructions}}`, `{{format}}`, `{{goal}}`.
    public static let task = """
        ## What to do
        {{instructions}}
        {{format}}
        """

    /// The task's default `{{instructions}}`.
    public static let instructions = "Propose one focused change to the current program that should improve its score."

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

    /// The answer form for a multi-file program, as blocks. Placeholder: `{{language}}`.
    public static let filesDiffFormat = """
        Say in a sentence or two what you change and why. Then, for each file you change, put its path \
        on a line of its own, followed by one or more blocks:

        <<<<<<< SEARCH
        lines copied exactly from that file
        =======
        the lines that replace them
        >>>>>>> REPLACE

        Each SEARCH part must match its file exactly once (between the EVOLVE-BLOCK markers, where the \
        file has them). A new file, where new files are allowed: its path, then its text in one fenced block.
        """

    /// The answer form for a multi-file program, as whole files. Placeholder: `{{language}}`.
    public static let filesRewriteFormat = """
        Say in a sentence or two what you change and why. Then, for each file you change, put its path \
        on a line of its own, followed by the file's complete new text in one fenced code block. Give \
        only the files you change; keep the EVOLVE-BLOCK-START and EVOLVE-BLOCK-END lines and everything \
        outside them unchanged.
        """

    /// Placeholders: `{{reasons}}`, `{{format}}`.
    public static let feedback = """
        That answer could not be applied to the program:
        {{reasons}}

        Try again from the current program shown earlier.
        {{format}}
        """

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
