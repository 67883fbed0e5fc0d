import EvolveCore

/// A file's text as the lines it changes in another (its base): `%delta BASEHASH`, then one
/// operation per line: `=N` keeps the base's next N lines, `-N` drops them, `+text` adds a line.
enum LineDelta {
    static let prefix = "%delta "

    /// The delta of `text` from `base`, when it is shorter than `text` and rebuilds it exactly.
    static func encode(_ text: String, from base: String, baseHash: String) -> String? {
        var operations: [String] = []
        var run: (kind: String, count: Int)?
        func flush() {
            if let run { operations.append(run.kind + String(run.count)) }
            run = nil
        }
        for line in LineDiff.lines(from: base, to: text) {
            if line.kind == "+" {
                flush()
                operations.append("+" + line.text)
                continue
            }
            let kind = line.kind == "-" ? "-" : "="
            if run?.kind == kind { run!.count += 1 } else { flush(); run = (kind, 1) }
        }
        flush()
        let delta = prefix + baseHash + "\n" + operations.joined(separator: "\n")
        guard delta.utf8.count < text.utf8.count, let (_, parsed) = parse(delta), apply(parsed, to: base) == text else { return nil }
        return delta
    }

    /// The base's hash and the operations of a stored delta; nil for a plain text.
    static func parse(_ stored: String) -> (String, [Substring])? {
        guard stored.hasPrefix(prefix), let newline = stored.firstIndex(of: "\n") else { return nil }
        let hash = String(stored[stored.index(stored.startIndex, offsetBy: prefix.count)..<newline])
        return (hash, stored[stored.index(after: newline)...].split(separator: "\n", omittingEmptySubsequences: false))
    }

    /// The text the operations make of `base`; nil when they do not fit it.
    static func apply(_ operations: [Substring], to base: String) -> String? {
        let lines = base.split(separator: "\n", omittingEmptySubsequences: false)
        var index = 0
        var output: [Substring] = []
        for operation in operations {
            guard let kind = operation.first else { return nil }
            if kind == "+" {
                output.append(operation.dropFirst())
                continue
            }
            guard let count = Int(operation.dropFirst()), count >= 0, index + count <= lines.count else { return nil }
            if kind == "=" { output += lines[index..<(index + count)] } else if kind != "-" { return nil }
            index += count
        }
        return index == lines.count ? output.joined(separator: "\n") : nil
    }
}
