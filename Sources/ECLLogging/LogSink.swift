import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where formatted lines go: a buffered, thread-safe writer to a file descriptor, or memory for tests.
///
/// Each line is appended whole under a lock, so lines from concurrent tasks never interleave or tear;
/// the buffer is written out when it passes ``flushThreshold``, every ``flushInterval`` by a background
/// thread, and on ``flush()`` (the command calls it before it prints a result and before it exits).
public final class LogSink: Sendable {
    /// Bytes held before a write is forced.
    public static let flushThreshold = 64 * 1024
    /// The background flush interval in seconds.
    public static let flushInterval = 0.05

    private struct State {
        var buffer: [UInt8] = []
        var lines: [String] = []
        var closed = false
        var linesLost = 0
        var failure: String?
    }

    private enum Target {
        case descriptor(Int32, owned: Bool)
        case memory
    }

    private let target: Target
    private let state = Mutex(State())
    /// True when the output is a terminal (colors may be used).
    public let isTerminal: Bool
    /// What the output is, for messages.
    public let name: String

    /// Opens `output`: stdout, stderr, or a file appended to (created with mode 0644 when missing).
    /// An unwritable file is a ``LogConfigError`` naming the path and the system's reason.
    public convenience init(output: LogOutput) throws(LogConfigError) {
        switch output {
        case .stdout: self.init(descriptor: STDOUT_FILENO, owned: false, name: "stdout")
        case .stderr: self.init(descriptor: STDERR_FILENO, owned: false, name: "stderr")
        case .file(let path):
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw LogConfigError("log output: cannot open '\(path)' for appending: \(String(cString: strerror(errno)))")
            }
            self.init(descriptor: fd, owned: true, name: path)
        }
    }

    private init(descriptor: Int32, owned: Bool, name: String) {
        target = .descriptor(descriptor, owned: owned)
        isTerminal = isatty(descriptor) == 1
        self.name = name
        let thread = Thread { [weak self] in
            while let sink = self, !sink.isClosed {
                Thread.sleep(forTimeInterval: LogSink.flushInterval)
                sink.flush()
            }
        }
        thread.name = "ecl-log-flush"
        thread.start()
    }

    private init(memory: Void) {
        target = .memory
        isTerminal = false
        name = "memory"
    }

    /// A sink that keeps lines in memory, for tests: read them with ``lines``.
    public static func memory() -> LogSink { LogSink(memory: ()) }

    /// Appends one line (the newline is added).
    public func write(line bytes: [UInt8]) { bytes.withUnsafeBufferPointer { write(line: $0) } }

    /// Appends one line (the newline is added), copying the bytes into the buffer.
    public func write(line bytes: UnsafeBufferPointer<UInt8>) {
        switch target {
        case .memory:
            let text = String(decoding: bytes, as: UTF8.self)
            state.withLock { $0.lines.append(text) }
        case .descriptor(let fd, _):
            state.withLock { state in
                state.buffer.append(contentsOf: bytes)
                state.buffer.append(UInt8(ascii: "\n"))
                if state.buffer.count >= Self.flushThreshold { drain(&state, to: fd) }
            }
        }
    }

    /// Writes out everything buffered.
    public func flush() {
        guard case .descriptor(let fd, _) = target else { return }
        state.withLock { drain(&$0, to: fd) }
    }

    /// Lines that could not be written (a full disk, an I/O error), and the first reason. A reader that
    /// went away (a closed pipe, as with `| head`) is not counted: nobody wants those lines.
    public var lost: (lines: Int, reason: String?) { state.withLock { ($0.linesLost, $0.failure) } }

    /// Flushes, stops the background flusher and closes an owned file.
    public func close() {
        flush()
        let wasOpen = state.withLock { state -> Bool in
            defer { state.closed = true }
            return !state.closed
        }
        if wasOpen, case .descriptor(let fd, owned: true) = target { Glibc.close(fd) }
    }

    /// The lines a memory sink holds.
    public var lines: [String] { state.withLock { $0.lines } }

    private var isClosed: Bool { state.withLock { $0.closed } }

    deinit { close() }

    private func drain(_ state: inout State, to fd: Int32) {
        guard !state.buffer.isEmpty else { return }
        var offset = 0
        var error: Int32 = 0
        func writeAll() {
            state.buffer.withUnsafeBytes { bytes in
                while offset < bytes.count {
                    let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        error = errno
                        break  // nothing more can be done with these bytes
                    }
                    offset += written
                }
            }
        }
        // On a terminal, around the progress line (if one is shown) so lines never run into it.
        if isTerminal { TerminalStatusLine.around(writeAll) } else { writeAll() }
        if error != 0, error != EPIPE {
            let lost = state.buffer[offset...].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            state.linesLost += lost
            if state.failure == nil {
                let reason = String(cString: strerror(error))
                state.failure = reason
                // Said once, when it happens, on standard error (unless that is the output that failed).
                if fd != STDERR_FILENO {
                    let line = Array("warning: log output \(name) cannot be written (\(reason)); lines are being lost (counted at exit)\n".utf8)
                    _ = line.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
                }
            }
        }
        state.buffer.removeAll(keepingCapacity: true)
    }
}
