import EvolveCore
import Foundation

/// The command the container backends run, and how its output is read back.
///
/// The gVisor backend runs the command as is: its `/tmp/eval` is a tmpfs mounted on the host. In
/// the Docker backend the tmpfs dies with the container, so after the evaluator's command a shell
/// appends `/tmp/eval/result.json` (if one was written, at most 1 MiB) to standard output behind a
/// marker line; `split` takes it off again. A Docker image therefore needs `/bin/sh` and `head`.
enum ContainerCommand {
    static let resultMarker = "<<<evolve:result.json>>>"
    static let candidateDirectory = "/candidate"
    static let evalDirectory = "/tmp/eval"
    static let problemDirectory = "/problem"

    static let environment = [
        "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp/eval", "TMPDIR=/tmp/eval", "EVOLVE_EVAL_DIR=/tmp/eval",
        "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1",
    ]

    /// The container's environment for one job: with an evaluator environment, its `bin` comes
    /// first on `PATH` and its variables (`VIRTUAL_ENV`) are set.
    /// With the model gateway, its variables name the socket at /run/evolve.
    static func environment(for job: SandboxJob) -> [String] {
        let gateway = job.gateway?.variables(socket: ModelGateway.socketDirectory + "/" + ModelGateway.socketName) ?? [:]
        let base = Self.environment + gateway.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        guard job.environment != nil || !job.toolchains.isEmpty else { return base }
        let path = job.searchPath(before: "/usr/local/bin:/usr/bin:/bin")
        return base.map { $0.hasPrefix("PATH=") ? "PATH=" + path : $0 }
            + job.variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    /// The evaluator's command as it runs inside a container, placeholders filled in.
    static func command(for job: SandboxJob) -> [String] {
        job.command.argv(replacing: [
            "program": "\(candidateDirectory)/\(job.programFileName)", "eval_dir": evalDirectory, "problem": problemDirectory,
        ])
    }

    /// The command wrapped in a shell that appends result.json to standard output (see `split`).
    static func arguments(for job: SandboxJob) -> [String] {
        [
            "/bin/sh", "-c",
            "\"$@\"; status=$?; if [ -f \(evalDirectory)/result.json ]; then printf '\\n%s\\n' '\(resultMarker)'; "
                + "head -c 1048576 \(evalDirectory)/result.json; fi; exit $status",
            "evaluate",
        ] + command(for: job)
    }

    /// Separates result.json from standard output, then keeps at most `limit` bytes of the output's tail.
    static func split(stdout: (text: String, truncated: Bool), limit: Int) -> (stdout: String, truncated: Bool, resultFile: String?) {
        var text = stdout.text
        var resultFile: String?
        if let marker = text.range(of: "\n\(resultMarker)\n", options: .backwards) {
            resultFile = String(text[marker.upperBound...])
            text = String(text[..<marker.lowerBound])
        }
        guard text.utf8.count > limit else { return (text, stdout.truncated, resultFile) }
        let tail = text.utf8.suffix(limit).drop(while: { $0 & 0xC0 == 0x80 })
        return (String(decoding: tail, as: UTF8.self), true, resultFile)
    }

    /// How a container's exit code reads: above 128 is death by signal (the shell's and Docker's convention).
    static func termination(exitCode: Int32) -> SandboxOutcome.Termination {
        exitCode > 128 ? .signaled(exitCode - 128) : .exited(exitCode)
    }
}
