import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The gVisor sandbox's mounts for what a candidate must not see and for the evaluator's environment.
extension GVisorSandbox {
    /// An empty tmpfs over each hidden folder of the problem directory, the empty file over each hidden file.
    func hiddenMounts(for job: SandboxJob) -> [OCIRuntimeSpec.Mount] {
        job.hiddenPaths.map { hidden in
            let destination = ContainerCommand.problemDirectory + "/" + hidden.relativePath
            return hidden.isDirectory ? .tmpfs(destination, size: "16k", mode: "755") : .bind(destination, emptyFile.path)
        }
    }

    /// The environment's paths, read-only at the same place as on the host. The sandbox's root
    /// already binds all of /usr, so only paths elsewhere are added; their mount points are made
    /// in the shared read-only root first.
    func environmentMounts(for job: SandboxJob) -> [OCIRuntimeSpec.Mount] {
        job.readOnlyPaths.filter { $0 != "/usr" && !$0.hasPrefix("/usr/") }.compactMap { path in
            makeMountPoint(for: path) ? .bind(path, path) : nil
        }
    }

    /// Makes `path`'s mount point inside the root: a folder for a folder, an empty file for a file.
    func makeMountPoint(for path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
        let point = rootfs.appendingPathComponent(String(path.drop(while: { $0 == "/" })))
        var components = rootfs
        for component in point.path.dropFirst(rootfs.path.count).split(separator: "/").dropLast() {
            components.appendPathComponent(String(component))
            if !FileManager.default.fileExists(atPath: components.path) {
                _ = mkdir(components.path, 0o755)
            }
        }
        if isDirectory.boolValue {
            if !FileManager.default.fileExists(atPath: point.path) { _ = mkdir(point.path, 0o755) }
        } else if !FileManager.default.fileExists(atPath: point.path) {
            _ = FileManager.default.createFile(atPath: point.path, contents: nil, attributes: [.posixPermissions: 0o444])
        }
        return FileManager.default.fileExists(atPath: point.path)
    }
}
