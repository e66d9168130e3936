import Foundation

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
        let process: Process
        let outPath: String
        let errPath: String
        let out: FileHandle
        let err: FileHandle

        func wait() -> Outcome {
            process.waitUntilExit()
            try? out.close()
            try? err.close()
            defer {
                try? FileManager.default.removeItem(atPath: outPath)
                try? FileManager.default.removeItem(atPath: errPath)
            }
            return Outcome(
                status: process.terminationStatus, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        }
    }

    /// Starts the binary without waiting for it.
    func start(arguments: [String], environment: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["ANTHROPIC_API_KEY"] = nil
        for key in env.keys where key.hasPrefix("ECL_") || key == "NO_COLOR" { env[key] = nil }
        // Logs go to stderr unless a test asks otherwise, so stdout holds the results alone.
        env["ECL_LOG_OUTPUT"] = "stderr"
        env.merge(environment) { $1 }
        process.environment = env
        // Output goes to files, read after exit: no pipe can be held open by another process.
        let outPath = directory.appendingPathComponent(".stdout-\(UUID())").path
        let errPath = directory.appendingPathComponent(".stderr-\(UUID())").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return Running(process: process, outPath: outPath, errPath: errPath, out: out, err: err)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

