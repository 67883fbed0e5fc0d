import Foundation

extension GVisorSandbox {
    /// Mirrors the host's `/etc/alternatives` (Debian's links for the chosen BLAS, LAPACK, java,
    /// editors, ...) into the sandbox's private `/etc`: libraries under `/usr` reach their chosen
    /// implementation through it (numpy's `libblas.so.3` → `/etc/alternatives/libblas.so.3-*` →
    /// `/usr/lib/.../openblas-pthread/libblas.so.3`), and without it numpy cannot be imported.
    /// Only the links are copied, no file contents; a link that leads outside what the sandbox
    /// sees simply dangles there.
    static func mirrorAlternatives(into etc: URL, from host: String = "/etc/alternatives") throws {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: host) else { return }
        let directory = etc.appendingPathComponent("alternatives")
        try? manager.removeItem(at: directory)
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in names {
            guard let target = try? manager.destinationOfSymbolicLink(atPath: host + "/" + name) else { continue }
            try manager.createSymbolicLink(atPath: directory.appendingPathComponent(name).path, withDestinationPath: target)
        }
    }
}
