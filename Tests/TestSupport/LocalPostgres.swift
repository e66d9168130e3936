import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server on 127.0.0.1 for tests, from Debian's postgresql package (which `make test`
/// installs), run through scripts/local-postgres.sh in a temporary folder: started on demand, stopped at exit.
public final class LocalPostgres: Sendable {
    /// `postgres://ecl:PASSWORD@127.0.0.1:PORT/postgres?sslmode=disable`.
    public let url: String
    /// The password of the role `ecl`.
    public let password: String
    /// The port it listens on.
    public let port: Int
    private let directory: String

    /// The repository's scripts/local-postgres.sh.
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/local-postgres.sh").path

    /// Whether a server can be started here: the server binaries are installed.
    public static var isInstalled: Bool {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.contains { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/pg_ctl") }
    }

    private static let sharedServer = Mutex<LocalPostgres?>(nil)

    /// One server for the whole test process, started the first time it is asked for and stopped at exit.
    public static func shared() throws -> LocalPostgres {
        try sharedServer.withLock { server in
            if let server { return server }
            let started = try LocalPostgres()
            server = started
            atexit { LocalPostgres.sharedServer.withLock { $0?.stop() } }
            return started
        }
    }

    /// Creates a cluster in a new temporary folder and starts it on a free port.
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-pg-\(UUID().uuidString)").path
        password = "pw-\(UUID().uuidString.prefix(8))"
        port = try freeLocalPort()
        url = try Self.run(["start", directory, "\(port)", password])
    }

    /// Stops the server: `fast` ends sessions cleanly, `immediate` as a crash would.
    public func stop(mode: String = "fast") {
        _ = try? Self.run(["stop", directory, mode])
    }

    /// Starts it again after ``stop(mode:)``, on the same port with the same data.
    public func restart() throws {
        _ = try Self.run(["start", directory, "\(port)", password])
    }

    /// Removes the data folder (after ``stop(mode:)``).
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Creates a database and returns its URL.
    public func createDatabase(_ name: String) throws -> String {
        _ = try Self.run(["sql", url, "CREATE DATABASE \(name)"])
        return url.replacingOccurrences(of: "/postgres?", with: "/\(name)?")
    }

    /// A fresh database with a unique name, and its URL.
    public func freshDatabase() throws -> String {
        try createDatabase("t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())
    }

    /// Runs one statement through psql and returns what it printed (unaligned, no headers).
    public func query(_ url: String, _ statement: String) throws -> String {
        try Self.run(["sql", url, statement], psqlFlags: true)
    }

    /// Runs the script and returns its standard output, trimmed. Through ``ChildProcess``: the server it starts
    /// holds no descriptor of the test runner's (a pipe or socket of another test's child would stay open as long
    /// as the server runs), and gets an empty signal mask, not the runner's blocked one.
    @discardableResult
    static func run(_ arguments: [String], psqlFlags: Bool = false) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["PG_SERVER_OPTIONS"] = "-c fsync=off -c full_page_writes=off"
        if psqlFlags { environment["PSQL_FLAGS"] = "-A -t" }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-pg-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let status = try ChildProcess(
            "/bin/bash", [script] + arguments, environment: environment, standardOutput: .file(output), standardError: .standardOutput
        ).wait()
        let text = (try? String(contentsOfFile: output, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard status == 0 else {
            throw LocalPostgresError(description: "local-postgres.sh \(arguments.first ?? "") failed: \(text)")
        }
        return text
    }
}

/// A failure of the local server's script, with what it printed.
public struct LocalPostgresError: Error, CustomStringConvertible {
    /// What failed and why.
    public let description: String
}
