import Foundation
import Glibc
import TestSupport
import Testing

/// The way the tests start programs (``ChildProcess``): a child holds no descriptor of the test runner's, gets
/// the signals the runner blocks, and one that outlives its deadline is killed and reported, never waited for
/// for ever.
@Suite struct ChildProcessTests {
    /// What a child printed on standard output.
    static func output(_ executable: String, _ arguments: [String]) throws -> String {
        let child = try ChildProcess(executable, arguments, standardOutput: .pipe)
        let text = String(decoding: child.standardOutput?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
        #expect(try child.wait() == 0)
        return text
    }

    @Test func aChildHoldsOnlyItsStandardDescriptorsAndNoBlockedSignal() throws {
        // A descriptor the runner opened without close-on-exec (as Foundation's Process and Pipe do): the
        // child must not inherit it, or whoever waits for its end-of-file waits as long as the child lives.
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { for fd in ends { close(fd) } }
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGINT)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        // ls lists its own descriptors: 0-2 and the directory it reads (3), nothing of the runner's.
        #expect(try Self.output("ls", ["/proc/self/fd"]) == "0\n1\n2\n3\n")
        #expect(try Self.output("grep", ["SigBlk", "/proc/self/status"]) == "SigBlk:\t0000000000000000\n")
        // SIGINT reaches a child and ends it (the default action), as it does a program started from a shell.
        let child = try ChildProcess("sleep", ["30"])
        child.signal(SIGINT)
        #expect(try child.wait() == -SIGINT, "ended by the signal, not by an exit of its own")
    }

    @Test func aChildPastItsDeadlineIsKilledAndReported() throws {
        let child = try ChildProcess("sleep", ["60"], deadline: 0.5, diagnose: false)
        #expect(throws: ChildProcess.Hung.self) { try child.wait() }
        #expect(!child.isRunning)
        #expect(child.exitStatus() == -SIGKILL)
    }

    @Test func outputGoesWhereItIsSent() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-child-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("out").path
        let both = try ChildProcess("sh", ["-c", "pwd; echo out; echo err >&2; exit 3"], in: directory.path, standardOutput: .file(file), standardError: .standardOutput)
        #expect(try both.wait() == 3)
        let resolved = directory.resolvingSymlinksInPath().path
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "\(resolved)\nout\nerr\n")
        let piped = try ChildProcess("sh", ["-c", "echo one; echo two >&2"], standardOutput: .pipe, standardError: .pipe)
        #expect(String(decoding: piped.standardOutput?.readDataToEndOfFile() ?? Data(), as: UTF8.self) == "one\n")
        #expect(String(decoding: piped.standardError?.readDataToEndOfFile() ?? Data(), as: UTF8.self) == "two\n")
        #expect(try piped.wait() == 0)
        #expect(throws: ChildProcess.Failure.self) { try ChildProcess("/nonexistent/program", []) }
    }
}
