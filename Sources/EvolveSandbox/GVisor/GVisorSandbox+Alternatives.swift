import Foundation

extension GVisorSandbox {
    /// Copies the host's `/etc/alternatives` symlinks (not what they point to) into the sandbox's
    /// `/etc`. Debian reaches many toolchain files through them: `/usr/bin/cc` (the linker rustc
    /// calls) and `/usr/lib/x86_64-linux-gnu/libblas.so.3` (which numpy loads) are links to
    /// `/etc/alternatives/…`, which without this dangle inside the sandbox. The links point into
    /// `/usr`, which the sandbox already sees read-only; nothing else of the host's `/etc` is copied.
    static func copyAlternatives(into etc: URL, from source: String = "/etc/alternatives") throws {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: source) else { return }
        let target = etc.appendingPathComponent("alternatives")
        try fileManager.createDirectory(at: target, withIntermediateDirectories: true)
        for name in names {
            guard let destination = try? fileManager.destinationOfSymbolicLink(atPath: source + "/" + name) else { continue }
            let link = target.appendingPathComponent(name).path
            if (try? fileManager.destinationOfSymbolicLink(atPath: link)) == destination { continue }
            try? fileManager.removeItem(atPath: link)
            try fileManager.createSymbolicLink(atPath: link, withDestinationPath: destination)
        }
    }
}
