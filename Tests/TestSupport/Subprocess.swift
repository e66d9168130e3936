import Foundation

/// Runs a helper program (a Python script, `setpriv`, a pseudo-terminal) for a test.
public enum Subprocess {
    /// Runs `executable` with `arguments` to its end, with no input, in `directory` (else the current one)
    /// and with `environment` (else this process's); returns its exit status and all it wrote, standard
    /// output and error together.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
