import ArgumentParser
import EvolveController
import EvolveCore
import Logging

extension RunCommand {
    /// The live dashboard on a terminal (unless --quiet or --no-dashboard), else the progress line.
    func display(_ configuration: ProblemConfiguration) -> any RunDisplay {
        if !quiet, !noDashboard, TerminalScreen.isInteractive() {
            return Dashboard(goal: configuration.goal, iterations: configuration.search.iterations, islands: configuration.search.islands)
        }
        return ProgressReporter(goal: configuration.goal, iterations: configuration.search.iterations, quiet: quiet)
    }

    var overrides: RunOverrides {
        var overrides = RunOverrides(
            iterations: iterations, target: target, model: models.model, provider: models.provider, ollamaURL: models.ollamaURL,
            openAIURL: models.openAIURL, sandbox: models.sandbox, modelConcurrency: modelConcurrency, evaluationConcurrency: evaluationConcurrency, resume: resume,
            runDirectory: runDirectory, configurationFile: configurationFile)
        overrides.warm = models.warm
        return overrides
    }
}

/// A harness failure that stopped a run, with where the run is kept.
struct FailedRun: Error {
    var error: any Error
    var directory: RunDirectory
}

extension SandboxConfiguration.Backend: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LLMConfiguration.Provider: ExpressibleByArgument {}
