import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Batches of one signal that could not be sent yet, on disk, until a collector takes them.
///
/// A spool is a directory of segment files named `<signal>-<microseconds>-<pid>-<sequence>.jsonl`, so that
/// sorting by name sorts oldest first, whichever process wrote them. Each line is one `TracesData` or
/// `LogsData` document, appended with one `write(2)`, so a killed process never leaves a torn line.
///
/// Guarantee: a batch leaves the spool only after the collector answered 2xx for it (or rejected it for good,
/// in which case it moves to `rejected-<signal>.jsonl` beside the segments). Delivery is at least once: after a
/// crash at most the one batch that was in flight is sent again; otherwise none is. Progress through a
/// segment is kept in `<segment>.acked` (the number of lines done), so a process that stops half-way
/// through a segment does not send its first half again.
///
/// Several processes may share a directory: a segment is locked (`flock`) while it is written or drained, so
/// two processes never drain the same segment, and a writer's segment is drained only after it moves on.
@_spi(Pipeline) public final class Spool: Sendable {
    /// The directory.
    public let directory: String
    /// The signal whose batches this spool holds.
    public let signal: OTLPSignal
    /// Its segments' name prefix: the signal's name, or another for a second stream of the same signal
    /// (the SQL log exporter's `sql-logs`), so each stream is drained to its own destination.
    public let prefix: String
    /// The most bytes the signal's segments may take on disk; a batch that would go past it is refused.
    public let maxBytes: Int
    /// A segment is closed, and a new one begun, once it holds this many bytes.
    public let segmentBytes: Int

    private struct Writer {
        var descriptor: Int32 = -1
        var path = ""
        var size = 0
        var sequence = 0
        var bytesOnDisk = 0
    }

    private let writer: Mutex<Writer>

    /// The default size limit: 512 MiB a signal.
    public static let defaultMaxBytes = 512 << 20

    /// Opens (creating) the spool directory. The error names `option` (where the directory was given), the
    /// directory and the system's reason.
    public init(
        directory: String, signal: OTLPSignal, prefix: String? = nil, maxBytes: Int = Spool.defaultMaxBytes, segmentBytes: Int = 4 << 20,
        option: String = "spool"
    ) throws(OTLPConfigError) {
        var info = stat()
        let existed = stat(directory, &info) == 0
        if existed, info.st_mode & S_IFMT != S_IFDIR {
            throw OTLPConfigError("\(option): '\(directory)' is a file, not a directory; expected a directory (created when missing, in an existing parent)")
        }
        if !existed, mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw OTLPConfigError(
                "\(option): cannot create the spool directory '\(directory)': \(String(cString: strerror(errno))); expected a directory whose parent exists")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw OTLPConfigError("\(option): cannot write to the spool directory '\(directory)': \(String(cString: strerror(errno)))")
        }
        self.directory = directory
        self.signal = signal
        let prefix = prefix ?? signal.rawValue
        self.prefix = prefix
        self.maxBytes = max(1, maxBytes)
        self.segmentBytes = max(1, segmentBytes)
        var state = Writer()
        state.bytesOnDisk = Self.segmentNames(in: directory, prefix: prefix).reduce(0) { $0 + Self.fileSize(directory + "/" + $1) }
        writer = Mutex(state)
    }

    deinit { writer.withLock { if $0.descriptor >= 0 { Glibc.close($0.descriptor) } } }

    /// Appends one batch as one line with one `write(2)`; returns why it was not written (the size limit, a
    /// failed write), or nil.
    @discardableResult
    public func append(_ json: [UInt8]) -> String? {
        var line = json
        line.append(UInt8(ascii: "\n"))
        return writer.withLock { state -> String? in
            if state.bytesOnDisk + line.count > maxBytes {
                return "the spool \(directory) is full (\(maxBytes >> 20) MiB of \(signal.itemName))"
            }
            if state.descriptor >= 0, state.size > 0, state.size + line.count > segmentBytes { closeSegment(&state) }
            if state.descriptor < 0, let failure = openSegment(&state) { return failure }
            let written = line.withUnsafeBytes { write(state.descriptor, $0.baseAddress, $0.count) }
            guard written == line.count else {
                let reason = written < 0 ? String(cString: strerror(errno)) : "short write (\(written) of \(line.count) bytes)"
                // A partial line is cut off so the segment stays whole lines.
                if written > 0 { _ = ftruncate(state.descriptor, off_t(state.size)) }
                return "cannot write \(state.path): \(reason)"
            }
            state.size += line.count
            state.bytesOnDisk += line.count
            return nil
        }
    }

    /// Bytes this signal's segments take on disk, as this process knows it.
    public var bytesOnDisk: Int { writer.withLock { $0.bytesOnDisk } }

    /// Whether any segment of this signal is on disk (this process's or another's).
    public var hasSegments: Bool { !Self.segmentNames(in: directory, prefix: prefix).isEmpty }

    /// Flushes the segment being written to the disk.
    public func sync() { writer.withLock { if $0.descriptor >= 0 { _ = fsync($0.descriptor) } } }

    /// Opens the oldest segment that no one else is writing or draining, with the lines still to send;
    /// nil when there is none. The segment this process is writing is closed first, so it can be drained.
    public func oldestPending() -> SpoolSegment? {
        for name in Self.segmentNames(in: directory, prefix: prefix) {
            let path = directory + "/" + name
            writer.withLock { state in if state.path == path { closeSegment(&state) } }
            if let segment = SpoolSegment(path: path, spool: self) { return segment }
        }
        return nil
    }

    /// Closes the segment being written (releasing its lock), so another process can drain it; the next
    /// append begins a new one.
    public func close() { writer.withLock { closeSegment(&$0) } }

    /// Removes the spool directory when it is empty (everything in it was delivered), so a run leaves
    /// nothing behind.
    public func removeIfEmpty() {
        writer.withLock { if $0.descriptor >= 0, $0.size == 0 { closeSegment(&$0) } }
        rmdir(directory)  // fails, harmlessly, unless the directory is empty
    }

    /// The path of the file where batches the collector rejected for good are kept.
    public var rejectedPath: String { directory + "/rejected-\(prefix).jsonl" }

    /// Keeps a line that must never be sent (refused for good, or not OTLP) in ``rejectedPath``; returns
    /// where it went, as messages say it ("kept in PATH" or "and could not be kept: why").
    @discardableResult
    public func setAside(_ line: [UInt8]) -> (kept: Bool, message: String) {
        let failure = (try? JSONLFile(path: rejectedPath, option: "spool")).map { $0.append(line) } ?? "cannot open \(rejectedPath)"
        return failure.map { (false, "and could not be kept: \($0)") } ?? (true, "kept in \(rejectedPath)")
    }

    func removed(bytes: Int) { writer.withLock { $0.bytesOnDisk = max(0, $0.bytesOnDisk - bytes) } }

    private func openSegment(_ state: inout Writer) -> String? {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let micros = Int(now.tv_sec) * 1_000_000 + Int(now.tv_nsec) / 1000
        state.sequence += 1
        let name = "\(prefix)-\(Self.padded(micros, 16))-\(getpid())-\(Self.padded(state.sequence, 6)).jsonl"
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "cannot create \(path): \(String(cString: strerror(errno)))" }
        // Held while this process writes the segment, so no drainer (here or elsewhere) takes it half-written.
        _ = flock(fd, LOCK_EX)
        state.descriptor = fd
        state.path = path
        state.size = 0
        return nil
    }

    private func closeSegment(_ state: inout Writer) {
        guard state.descriptor >= 0 else { return }
        Glibc.close(state.descriptor)
        if state.size == 0 { unlink(state.path) }
        state.descriptor = -1
        state.path = ""
        state.size = 0
    }

    static func segmentNames(in directory: String, prefix stream: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        let prefix = stream + "-"
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix(prefix), isSegmentName(name.dropFirst(prefix.count)) else { continue }
            // Regular files only: a link, a directory or a FIFO that happens to be named like a segment is
            // never read, sent or removed.
            var info = stat()
            guard lstat(directory + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            names.append(name)
        }
        return names.sorted()
    }

    /// The prefix of a stream meant for one destination: `base@<8 hex digits>`, a hash of the destination (a
    /// collector's URL, a database's location; never a credential), so that a run drains only the batches
    /// meant for where it sends, and never sends another destination's data with its own headers.
    public static func prefix(_ base: String, destination: String) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in destination.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        let digits = String(hash >> 32, radix: 16)
        return base + "@" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// The prefixes of `base`'s streams in a directory that hold segments: `base` itself and every
    /// `base@<tag>`, sorted.
    public static func prefixes(in directory: String, base: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var found: Set<String> = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix(base) else { continue }
            // After the base (which may hold a dash itself, as sql-logs does): "-", or "@" and an 8-digit tag, then "-".
            let rest = name.dropFirst(base.count)
            let tag = rest.first == "@" ? rest.prefix(9) : ""
            guard tag.isEmpty || (tag.count == 9 && tag.dropFirst().allSatisfy(\.isHexDigit)) else { continue }
            let afterTag = rest.dropFirst(tag.count)
            guard afterTag.first == "-", isSegmentName(afterTag.dropFirst()) else { continue }
            let prefix = base + tag
            var info = stat()
            guard lstat(directory + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            found.insert(prefix)
        }
        return found.sorted()
    }

    /// `<16 digits>-<digits>-<6 digits>.jsonl`: the rest of a segment's name after its signal, as this type writes it.
    static func isSegmentName(_ rest: Substring) -> Bool {
        guard rest.hasSuffix(".jsonl") else { return false }
        let parts = rest.dropLast(".jsonl".count).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 16, parts[2].count == 6, !parts[1].isEmpty else { return false }
        return parts.allSatisfy { $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    /// A spool's size for messages: "12 KiB", "2 MiB" (at least 1 KiB).
    public static func sizeText(bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(max(1, bytes >> 10)) KiB"
    }

    /// How many segments the given streams hold in a directory, and their bytes, from the directory alone
    /// (nothing is read).
    public static func usage(in directory: String, prefixes: [String]) -> (segments: Int, bytes: Int) {
        let names = prefixes.flatMap { segmentNames(in: directory, prefix: $0) }
        return (names.count, names.reduce(0) { $0 + fileSize(directory + "/" + $1) })
    }

    /// Batches waiting in a spool directory under the given prefixes (both signals by default),
    /// acknowledged lines left out.
    public static func pendingBatches(in directory: String, prefixes: [String] = ["traces", "logs"]) -> Int {
        prefixes.flatMap { segmentNames(in: directory, prefix: $0) }.reduce(0) { total, name in
            let path = directory + "/" + name
            let lines = (FileManager.default.contents(atPath: path) ?? Data()).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            return total + max(0, lines - SpoolSegment.readAcked(path + ".acked"))
        }
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// One spool segment opened for draining: locked against other drainers, its lines read, progress kept in
/// its `.acked` file. Acknowledging the last line removes the segment.
@_spi(Pipeline) public final class SpoolSegment {
    /// The segment's path.
    public let path: String
    private let descriptor: Int32
    private let spool: Spool
    private let lines: [[UInt8]]
    private var next: Int
    private let size: Int

    init?(path: String, spool: Spool) {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            return nil
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                // A read that failed is not an empty segment: leave it for a later try.
                Glibc.close(fd)
                return nil
            }
            bytes.append(contentsOf: buffer[0..<count])
        }
        // Only whole lines count: a line without its newline was cut short by a failed write.
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map(Array.init)
        if let last = bytes.last, last != UInt8(ascii: "\n"), !lines.isEmpty { lines.removeLast() }
        self.path = path
        self.descriptor = fd
        self.spool = spool
        self.lines = lines
        self.size = bytes.count
        // A progress count that does not fit the segment (edited, or from another file) is ignored: the
        // segment is sent again from its start (at least once), never skipped.
        let acked = Self.readAcked(path + ".acked")
        self.next = (0...lines.count).contains(acked) ? acked : 0
        if next >= lines.count { finish() }
    }

    deinit { close(descriptor) }

    /// The next line to send, nil when all are done.
    public var current: [UInt8]? { next < lines.count ? lines[next] : nil }

    /// Lines left to send.
    public var remaining: Int { lines.count - next }

    /// Whether the current line is a document of the spool's signal (`{"resourceSpans"` or
    /// `{"resourceLogs"`, as this package writes them); anything else is set aside, never sent.
    public var currentIsOTLP: Bool {
        guard let line = current else { return false }
        let prefix = Array(spool.signal.documentStart.utf8)
        return line.starts(with: prefix)
    }

    /// Records that the current line reached the collector (or was set aside); removes the segment after its
    /// last line.
    public func acknowledge() {
        guard next < lines.count else { return }
        next += 1
        if next >= lines.count {
            finish()
        } else {
            let text = Array("\(next)\n".utf8)
            let fd = open(path + ".acked", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd >= 0 {
                _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                Glibc.close(fd)
            }
        }
    }

    private func finish() {
        unlink(path)
        unlink(path + ".acked")
        spool.removed(bytes: size)
    }

    static func readAcked(_ path: String) -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return 0 }
        return Int(String(decoding: buffer[0..<count].prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)) ?? 0
    }
}
