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
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe never blocks the child.
        let outData = ReadAll(out.fileHandleForReading)
        let errData = ReadAll(err.fileHandleForReading)
        let stdout = outData.wait()
        let stderr = errData.wait()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// Reads a file handle to its end on a background thread.
final class ReadAll: @unchecked Sendable {
    // Safe: `data` is written once by the reading thread before the semaphore is signalled,
    // and read only after `wait()` has returned.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
