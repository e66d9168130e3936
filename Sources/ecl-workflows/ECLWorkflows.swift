import ArgumentParser
import ECLCore
import Foundation
import ECLLogging
import Glibc
import JSONWriting
import Synchronization

/// `ecl-workflows`: runs ECL's workflows and reads their records.
///
/// Exit codes: 0 success, 1 a workflow failed or telemetry could not be written, 2 a usage or configuration
/// error, 130/143 interrupted by SIGINT/SIGTERM.
@main
struct ECLWorkflows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecl-workflows",
        abstract: "Run ECL's LLM workflows (generate → critique → revise) and read their records.",
        discussion: "With no arguments, runs critique-revise on a default topic with the offline model.",
        version: "0.1.0",
        subcommands: [Run.self, List.self, Status.self, Trace.self, Report.self, Replay.self, Logs.self],
        defaultSubcommand: Run.self)

    static func main() async {
        // A reader that goes away (`| head`) must not kill the run mid-way: writes then fail with EPIPE.
        Glibc.signal(SIGPIPE, SIG_IGN)
        let code: Int32
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            code = 0
        } catch let error as UsageError {
            Console.error(error.message)
            code = 2
        } catch let error as ExitCode {
            code = error.rawValue
        } catch {
            let parsed = exitCode(for: error)
            if parsed == .success {
                Console.out(fullMessage(for: error))  // --help, --version
                code = 0
            } else {
                let message = message(for: error).split(whereSeparator: \.isNewline).joined(separator: "; ")
                Console.error("\(message) (see 'ecl-workflows --help')")
                code = 2
            }
        }
        let notWritten = TelemetrySetup.finish() + Console.linesLost
        if notWritten > 0 {
            Console.warning("\(notWritten) spans, log records, log lines or metric reports could not be written anywhere (see the warnings above)")
            Foundation.exit(code == 0 ? 1 : code)
        }
        Foundation.exit(code)
    }
}

/// A usage or configuration error: printed as one line, exit code 2.
struct UsageError: Error {
    let message: String

    init(_ message: String) { self.message = message }

    /// The SQL log exporter's error, starting with the option or setting that named the database.
    init(sql error: ECLError, source: String) {
        let message = error.plainMessage
        self.message = message.hasPrefix(source + ":") ? message : "\(source): \(message)"
    }

    /// "OPTION: 'VALUE' is not accepted; expected WHAT".
    init(option: String, value: String, expected: String) {
        self.message = "\(option): '\(value)' is not accepted; expected \(expected)"
    }
}

/// Writing to the terminal.
enum Console {
    /// Result lines that could not be written to standard output (a full disk, an I/O error), and why. A
    /// reader that went away (`| head`) is not counted: nobody wants those lines.
    private static let lost = Mutex<(lines: Int, reason: String?)>((0, nil))

    /// One line to standard error, prefixed with the command's name; control characters (from a bad value)
    /// are shown as escapes.
    static func error(_ message: String) { _ = write("ecl-workflows: error: \(VisibleText.escape(message))\n", to: STDERR_FILENO) }

    /// One warning line to standard error, control characters escaped.
    static func warning(_ message: String) { _ = write("ecl-workflows: warning: \(VisibleText.escape(message))\n", to: STDERR_FILENO) }

    /// One line to standard output; a failure is counted (and said once, on standard error), never a crash.
    static func out(_ line: String) {
        let failure = write(line + "\n", to: STDOUT_FILENO)
        guard let failure, failure != EPIPE else { return }
        let first = lost.withLock { state -> Bool in
            defer { state.lines += 1 }
            if state.reason == nil { state.reason = String(cString: strerror(failure)) }
            return state.lines == 0
        }
        if first { warning("standard output cannot be written (\(String(cString: strerror(failure)))); result lines are being lost (counted at exit)") }
    }

    /// Result lines lost so far.
    static var linesLost: Int { lost.withLock { $0.lines } }

    /// Writes all of `text` with write(2), around the progress line when one is shown; returns errno on failure.
    private static func write(_ text: String, to descriptor: Int32) -> Int32? {
        TerminalStatusLine.around { writeAll(text, to: descriptor) }
    }

    private static func writeAll(_ text: String, to descriptor: Int32) -> Int32? {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            bytes = bytes.dropFirst(written)
        }
        return nil
    }
}

/// Options shared by the commands that read or write the store.
struct StoreOptions: ParsableArguments {
    /// The store a run uses when no `--db` is given.
    static let defaultPath = "ecl.db"

    @Option(help: "The SQLite database: a file path, or :memory:.")
    var db: String = defaultPath

    /// Opens the store, or throws a one-line usage error naming the path and the reason. `readOnly` opens an
    /// existing store as it is: nothing is created or migrated.
    func open(readOnly: Bool = false) throws -> SQLiteWorkflowStore {
        guard !db.isEmpty else { throw UsageError(option: "--db", value: db, expected: "a file path or :memory:") }
        do { return try SQLiteWorkflowStore(path: db, readOnly: readOnly) } catch {
            throw UsageError("--db: \(error.plainMessage)")
        }
    }
}

/// How results are printed.
enum OutputFormat: String, CaseIterable {
    case text, json

    /// Parses `--output`; without it, results are JSON when the logs are (so every stdout line is JSON),
    /// else text. A bad value is a one-line usage error.
    static func parse(_ value: String?, logging: LogConfig) throws -> OutputFormat {
        guard let value else { return logging.format == .json && logging.output == .stdout ? .json : .text }
        guard let format = OutputFormat(rawValue: value) else {
            throw UsageError(option: "--output", value: value, expected: "text or json")
        }
        return format
    }
}
