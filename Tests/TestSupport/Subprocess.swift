import Foundation

/// Runs a helper program (a Python script, `setpriv`, a pseudo-terminal) for a test.
public enum Subprocess {
    /// Runs `executable` (a path, or a name in PATH) with `arguments` to its end, with no input, in `directory`
    /// (else the current one) and with `environment` (else this process's); returns its exit status and all it
    /// wrote, standard output and error together. A program still running after `seconds` is killed and
    /// ``ChildProcess/Hung`` thrown.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil,
        seconds: Double = ChildProcess.deadline
    ) throws -> (status: Int32, output: String) {
        // A file, not a pipe: whatever the program leaves running behind it cannot hold the output open.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-subprocess-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let child = try ChildProcess(
            executable, arguments, in: directory?.path, environment: environment, standardOutput: .file(file), standardError: .standardOutput,
            deadline: seconds)
        let status = try child.wait()
        return (status, (try? String(contentsOfFile: file, encoding: .utf8)) ?? "")
    }
}
