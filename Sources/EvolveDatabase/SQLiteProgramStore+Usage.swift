import EvolveCore
import GRDB

extension SQLiteProgramStore {
    /// Per model: answers, acceptances, tokens, time and cost from `attempts`; improvements (a child
    /// that beat its parent, in the run's goal direction) from `programs`.
    static func modelUsage(_ db: Database) throws -> [ModelUsage] {
        let minimizes = try runInfo(db).goal.direction == .minimize
        let improvements = try Row.fetchAll(
            db,
            sql: """
                SELECT child.model AS model, count(*) AS n FROM programs child JOIN programs parent ON child.parent_id = parent.id
                WHERE child.origin = 'mutation' AND child.score IS NOT NULL AND parent.score IS NOT NULL
                  AND (CASE WHEN ? THEN child.score < parent.score ELSE child.score > parent.score END)
                GROUP BY child.model
                """, arguments: [minimizes]
        ).reduce(into: [String: Int]()) { counts, row in counts[(row["model"] as String?) ?? ""] = row["n"] }
        let rows = try UsageRow.fetchAll(
            db,
            sql: """
                SELECT model, count(*) AS answers, sum(outcome = 'accepted') AS accepted,
                    coalesce(sum(prompt_tokens), 0) AS prompt_tokens, coalesce(sum(completion_tokens), 0) AS completion_tokens,
                    coalesce(sum(model_seconds), 0) AS seconds, coalesce(sum(cost), 0) AS cost
                FROM attempts WHERE outcome != 'model_error' GROUP BY model ORDER BY answers DESC, model
                """)
        return rows.map { row in
            ModelUsage(
                model: row.model, answers: row.answers, accepted: row.accepted, improvements: improvements[row.model] ?? 0,
                promptTokens: row.promptTokens, completionTokens: row.completionTokens, modelSeconds: row.seconds, cost: row.cost)
        }
    }
}
