import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A program a test starts (the built binary, a server, a Python helper), spawned directly and waited for
/// against a deadline.
///
/// Foundation's `Process` is not used: it sees a child's end when a socket the child inherited closes, and a
/// child another thread spawns meanwhile inherits that socket (and any `Pipe`) too, since neither is
/// close-on-exec. A `/bin/true` was measured waiting 20 s for an unrelated `sleep 20` started beside it; the
/// shared PostgreSQL server lives until the runner exits, so a test could wait for ever (the CI did, 90
/// minutes). Here the child keeps standard input, output and error only (every other descriptor is closed in
/// it), starts with an empty signal mask and default signal actions (not the test runner's blocked ones, so
/// SIGINT and SIGTERM reach it), in a process group of its own, and its end is seen by `waitpid`.
public final class ChildProcess: Sendable {
    /// Where the child's standard output or error goes.
    public enum Output: Sendable {
        /// `/dev/null`.
        case discard
        /// The file (created or truncated).
        case file(String)
        /// A pipe whose reading end is ``standardOutput`` or ``standardError``.
        case pipe
        /// Wherever standard output goes (for standard error only).
        case standardOutput
    }

    /// How long a child may run by default: far beyond any test's child on a slow machine, well short of the
    /// CI's limit.
    public static let deadline: Double = 300
    /// How long a server a test starts may run by default: the whole of a long test.
    public static let serverDeadline: Double = 1_200

    /// The child's process id (also its process group's).
    public let pid: pid_t
    /// The command line, for messages.
    public let command: String
    /// The reading end of the child's standard output, when it is ``Output/pipe``.
    public let standardOutput: FileHandle?
    /// The reading end of the child's standard error, when it is ``Output/pipe``.
    public let standardError: FileHandle?
    /// Its status once reaped. Every `waitpid` and every signal sent happens under this lock: an unreaped child
    /// keeps its pid, so no signal can reach another process that was given the same number.
    private let status = Mutex<Int32?>(nil)
    private let hung = Mutex<String?>(nil)

    /// Starts `executable` (a path, or a name looked up in PATH) with `arguments`, in `directory` (else the
    /// current one), with `environment` (else this process's), standard input `/dev/null`. Still running after
    /// `deadline` seconds, it is looked at (its processes, its threads' stacks when gdb is installed), killed
    /// with its process group (so pipes from it close and readers go on), and ``wait()`` throws ``Hung`` with
    /// what was seen, also appended to `.build/test-output/hangs.txt` (unless `diagnose` is false).
    public init(
        _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil,
        standardOutput output: Output = .discard, standardError error: Output = .discard, deadline: Double = ChildProcess.deadline,
        diagnose: Bool = true
    ) throws {
        let command = ([executable] + arguments).joined(separator: " ")
        self.command = command
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }
        func route(_ output: Output, to target: Int32) throws -> FileHandle? {
            switch output {
            case .discard: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, target)
            case .pipe:
                // Close-on-exec from the start: no program anything else in the runner starts gets it.
                var ends: [Int32] = [0, 0]
                guard Self.pipeCloseOnExec(&ends, O_CLOEXEC) == 0 else {
                    throw Failure("cannot make a pipe for \(command): \(String(cString: strerror(errno)))")
                }
                childEnds.append(ends[1])
                posix_spawn_file_actions_adddup2(&actions, ends[1], target)
                return FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
            }
            return nil
        }
        standardOutput = try route(output, to: 1)
        standardError = try route(error, to: 2)
        // Every descriptor from 3 up is closed in the child, by the child: a list made here would miss what
        // another thread opens before the spawn.
        _ = Self.closeFrom(&actions, 3)
        if let directory { _ = Self.changeDirectory(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = [executable] + arguments
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnvp in
                executable.contains("/")
                    ? posix_spawn(&pid, executable, &actions, &attributes, cArgv, cEnvp)
                    : posix_spawnp(&pid, executable, &actions, &attributes, cArgv, cEnvp)
            }
        }
        // The pipes' reading ends are closed with their FileHandles.
        guard spawned == 0 else { throw Failure("cannot start \(command): \(String(cString: strerror(spawned)))") }
        self.pid = pid
        guard deadline.isFinite else { return }
        DispatchQueue.global().asyncAfter(deadline: .now() + deadline) { [self] in
            guard isRunning else { return }
            let seen = diagnose ? "\n" + Self.describe(self.pid) : ""
            let description = "\(command) was still running after \(Int(deadline)) s; killed.\(seen)"
            guard killGroup(hung: description) else { return }  // it ended while being looked at
            if diagnose { Self.record(description) }
            _ = poll(until: nil)  // reaped: no zombie left behind
        }
    }

    /// glibc's `pipe2`, `posix_spawn_file_actions_addclosefrom_np` and `posix_spawn_file_actions_addchdir_np`
    /// (2.34 and later), which Swift's Glibc module does not declare.
    private static let pipeCloseOnExec = glibc("pipe2", as: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32).self)
    private static let closeFrom = glibc("posix_spawn_file_actions_addclosefrom_np", as: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    private static let changeDirectory = glibc("posix_spawn_file_actions_addchdir_np", as: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32).self)

    private static func glibc<F>(_ name: String, as type: F.Type) -> F {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { fatalError("\(name) not found: glibc 2.34 or later is needed") }
        return unsafeBitCast(symbol, to: type)
    }

    /// Whether it has not ended yet.
    public var isRunning: Bool { exitStatus() == nil }

    /// Sends it `signal`, if it has not ended.
    public func signal(_ signal: Int32) {
        status.withLock { known in
            if known == nil, !Self.reap(pid, into: &known) { kill(pid, signal) }
        }
    }

    /// Sends it SIGTERM.
    public func terminate() { signal(SIGTERM) }

    /// Kills its process group and it, if it has not ended; whether it had not. With `hung`, the kill is the
    /// deadline's: said before the kill, so that no waiter sees the end without it.
    @discardableResult
    private func killGroup(hung description: String? = nil) -> Bool {
        status.withLock { known in
            guard known == nil, !Self.reap(pid, into: &known) else { return false }
            if let description { hung.withLock { $0 = description } }
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            return true
        }
    }

    /// Its exit code once it has ended, or minus the signal that ended it (never an exit code, so a program
    /// that exits 130 itself on SIGINT is told from one SIGINT killed); nil while it runs.
    public func exitStatus() -> Int32? {
        status.withLock { known in
            if known == nil { _ = Self.reap(pid, into: &known) }
            return known
        }
    }

    /// `waitpid` without blocking: whether it has ended, its status then in `known`. A child nobody can wait
    /// for any more (ECHILD: reaped elsewhere) counts as ended, with status `Int32.min`.
    private static func reap(_ pid: pid_t, into known: inout Int32?) -> Bool {
        var raw: Int32 = 0
        var reaped: pid_t
        repeat { reaped = waitpid(pid, &raw, WNOHANG) } while reaped == -1 && errno == EINTR
        if reaped == -1 {
            known = Int32.min
            return true
        }
        guard reaped == pid else { return false }
        known = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : -(raw & 0x7F)
        return true
    }

    /// Waits for its end and returns its status (see ``exitStatus()``); throws ``Hung`` if it was killed at its
    /// deadline.
    @discardableResult
    public func wait() throws -> Int32 {
        let status = poll(until: nil) ?? Int32.min
        if let hung = hung.withLock({ $0 }) { throw Hung(description: hung) }
        return status
    }

    /// Waits up to `seconds` without failing: its status, or nil if it still runs.
    public func waitBriefly(seconds: Double) -> Int32? { poll(until: Date().addingTimeInterval(seconds)) }

    /// Its status once it has ended, looked at every 1 to 50 ms until `deadline` (nil: for as long as it
    /// takes); nil if it still runs then.
    private func poll(until deadline: Date?) -> Int32? {
        var pause: UInt32 = 1_000
        while true {
            if let status = exitStatus() { return status }
            if let deadline, Date() >= deadline { return nil }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// Stops it: SIGTERM, then SIGKILL to its process group if it has not ended within `seconds`; its status.
    /// A server killed at its deadline (before the test stopped it) is ``Hung``.
    @discardableResult
    public func stop(within seconds: Double = 10) throws -> Int32 {
        terminate()
        if waitBriefly(seconds: seconds) == nil { killGroup() }
        return try wait()
    }

    /// A child that did not end in time: what it and its process group were doing.
    public struct Hung: Error, CustomStringConvertible {
        /// The command, the processes and the stacks seen.
        public let description: String
    }

    /// A child that could not be started.
    public struct Failure: Error, CustomStringConvertible {
        /// What failed.
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The processes of its group (`ps`), and the stacks of its threads (gdb, when installed).
    static func describe(_ pid: pid_t) -> String {
        var text = (try? quickly("/bin/sh", ["-c", "ps -o pid,ppid,stat,etime,args --forest -p \"$(pgrep -d, -g \(pid))\""])) ?? ""
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb"),
            let stacks = try? quickly("/usr/bin/gdb", ["-p", "\(pid)", "-batch", "-nx", "-ex", "thread apply all bt 16"])
        {
            text += stacks.split(separator: "\n").filter { $0.hasPrefix("Thread ") || $0.hasPrefix("#") }.joined(separator: "\n")
        }
        return text
    }

    /// What a short diagnostic command printed (output and error), waited for 60 s at most.
    private static func quickly(_ executable: String, _ arguments: [String]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-child-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let child = try ChildProcess(executable, arguments, standardOutput: .file(file), standardError: .standardOutput, deadline: .infinity)
        if child.waitBriefly(seconds: 60) == nil { _ = try? child.stop(within: 1) }
        return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    }

    /// The repository's `.build/test-output/hangs.txt`, which `make test` prints when the suite fails.
    static let hangsFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/test-output/hangs.txt")

    private static let recording = Mutex(())

    private static func record(_ text: String) {
        recording.withLock { _ in
            let folder = hangsFile.deletingLastPathComponent()
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: hangsFile.path) { FileManager.default.createFile(atPath: hangsFile.path, contents: nil) }
            guard let handle = try? FileHandle(forWritingTo: hangsFile) else { return }
            defer { try? handle.close() }
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: Data((text + "\n\n").utf8))
        }
    }
}

/// Calls `body` with a NULL-terminated array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
