import Foundation
import TestSupport

/// Runs the built `ecl-workflows` binary as a user would, in a scratch directory.
struct CommandRunner {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String

        var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-cli-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The binary beside the test bundle (both live in the build's products folder).
    static let binary: URL = {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [products, products.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("ecl-workflows")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return products.appendingPathComponent("ecl-workflows")
    }()

    func run(_ arguments: String..., environment: [String: String] = [:]) throws -> Outcome {
        try run(arguments: arguments, environment: environment)
    }

    func run(arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        try start(arguments: arguments, environment: environment).wait()
    }

    /// A started run of the binary; ``wait()`` waits for its exit and reads what it wrote.
    struct Running {
        let child: ChildProcess
        let outPath: String
        let errPath: String

        /// Its exit status and output; a run killed at its deadline throws ``ChildProcess/Hung``, with what it
        /// was doing.
        func wait() throws -> Outcome {
            defer {
                try? FileManager.default.removeItem(atPath: outPath)
                try? FileManager.default.removeItem(atPath: errPath)
            }
            let status = try child.wait()
            return Outcome(
                status: status, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        }
    }

    /// Starts the binary without waiting for it.
    func start(arguments: [String], environment: [String: String] = [:]) throws -> Running {
        var env = ProcessInfo.processInfo.environment
        env["ANTHROPIC_API_KEY"] = nil
        for key in env.keys where key.hasPrefix("ECL_") || key == "NO_COLOR" { env[key] = nil }
        // Logs go to stderr unless a test asks otherwise, so stdout holds the results alone.
        env["ECL_LOG_OUTPUT"] = "stderr"
        env.merge(environment) { $1 }
        // Output goes to files, read after exit: no pipe can be held open by another process.
        let outPath = directory.appendingPathComponent(".stdout-\(UUID())").path
        let errPath = directory.appendingPathComponent(".stderr-\(UUID())").path
        let child = try ChildProcess(
            Self.binary.path, arguments, in: directory.path, environment: env, standardOutput: .file(outPath), standardError: .file(errPath))
        return Running(child: child, outPath: outPath, errPath: errPath)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

