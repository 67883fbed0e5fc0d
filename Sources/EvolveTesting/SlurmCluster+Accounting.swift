import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension SlurmCluster {
    /// Whether Debian's slurmdbd and MariaDB server are installed (for `options.accounting`).
    public static var hasAccounting: Bool {
        ["/usr/sbin/slurmdbd", "/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db", "/usr/bin/mariadb"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Starts the accounting the cluster's slurm.conf names, before slurmctld: a MariaDB server of
    /// its own (data, socket and pid file in `mysql/`, run as Debian's `mysql` user, on 127.0.0.1
    /// at base port + 3), a database user for Slurm, `slurmdbd` (base port + 2), and the cluster
    /// registered with `sacctmgr`. As in `shared/reference/slurm.md` (about 5 s in all).
    func startAccounting() async throws {
        let mysql = directory.appendingPathComponent("mysql")
        try FileManager.default.createDirectory(at: mysql, withIntermediateDirectories: true)
        let chown = try run("/usr/bin/chown", ["mysql:mysql", mysql.path])
        guard chown.status == 0 else { throw Failure(description: "chown mysql: \(chown.output)") }
        let install = try run(
            "/usr/bin/mariadb-install-db",
            ["--user=mysql", "--datadir=\(mysql.path)/data", "--skip-test-db", "--auth-root-authentication-method=socket"])
        guard install.status == 0 else { throw Failure(description: "mariadb-install-db failed: \(install.output)") }
        let socket = mysql.appendingPathComponent("mysql.sock").path
        // mariadbd stays in the foreground: started, not waited for; stopped by its pid file.
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/sbin/mariadbd")
        server.arguments = [
            "--user=mysql", "--datadir=\(mysql.path)/data", "--socket=\(socket)", "--port=\(basePort + 3)", "--bind-address=127.0.0.1",
            "--pid-file=\(mysql.path)/mysql.pid", "--log-error=\(mysql.path)/mysql.err", "--skip-log-bin",
            "--innodb-flush-log-at-trx-commit=0",
        ]
        server.standardInput = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        let grant = "CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmpw'; GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
        var granted = false
        for _ in 0..<300 where !granted {
            try await Task.sleep(for: .milliseconds(100))
            granted = (try? run("/usr/bin/mariadb", ["-S", socket, "-u", "root", "-e", grant]))?.status == 0
        }
        guard granted else { throw Failure(description: "MariaDB did not come up: \(text(of: mysql.appendingPathComponent("mysql.err")))") }
        let configuration = directory.appendingPathComponent("etc/slurmdbd.conf")
        try [
            "AuthType=auth/munge", "AuthInfo=socket=\(directory.path)/munge/munge.sock", "DbdHost=localhost", "DbdAddr=127.0.0.1",
            "DbdPort=\(basePort + 2)", "SlurmUser=root", "PidFile=\(directory.path)/run/slurmdbd.pid",
            "LogFile=\(directory.path)/log/slurmdbd.log", "StorageType=accounting_storage/mysql", "StorageHost=127.0.0.1",
            "StoragePort=\(basePort + 3)", "StorageUser=slurm", "StoragePass=slurmpw", "StorageLoc=slurm_acct_db",
        ].joined(separator: "\n").appending("\n").write(to: configuration, atomically: true, encoding: .utf8)
        _ = chmod(configuration.path, 0o600)
        try daemon("/usr/sbin/slurmdbd", [])
        var registered = false
        for _ in 0..<150 where !registered {
            registered = (try? run("/usr/bin/sacctmgr", ["-i", "add", "cluster", "evolvetest"]))?.status == 0
            if !registered { try await Task.sleep(for: .milliseconds(200)) }
        }
        guard registered else { throw Failure(description: "sacctmgr could not add the cluster\n\(logs)") }
    }

    private func text(of file: URL) -> String {
        (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }
}
