import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An OTLP JSONL file: one `TracesData` or `LogsData` document per line, appended with one `write(2)` per
/// line on an `O_APPEND` descriptor, so lines are never torn, even when the process is killed.
@_spi(Pipeline) public final class JSONLFile: Sendable {
    /// The file's path.
    public let path: String
    private let descriptor: Mutex<Int32>
    private let existedBefore: Bool
    private let lines = Mutex(0)

    /// Opens (creating) `path` for appending; the error names the path and the system's reason.
    public init(path: String, option: String) throws(OTLPConfigError) {
        existedBefore = access(path, F_OK) == 0
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw OTLPConfigError("\(option): cannot open '\(path)' for appending: \(String(cString: strerror(errno)))")
        }
        self.path = path
        descriptor = Mutex(fd)
    }

    deinit { descriptor.withLock { if $0 >= 0 { close($0) } } }

    /// Appends `json` and a newline as one write; returns the system's reason on failure.
    @discardableResult
    public func append(_ json: [UInt8]) -> String? {
        var line = json
        line.append(UInt8(ascii: "\n"))
        return descriptor.withLock { fd -> String? in
            let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written == line.count {
                lines.withLock { $0 += 1 }
                return nil
            }
            if written < 0 { return String(cString: strerror(errno)) }
            return "short write (\(written) of \(line.count) bytes)"
        }
    }

    /// Flushes the file to the disk.
    public func sync() { descriptor.withLock { _ = fsync($0) } }

    /// Lines appended through this object.
    public var linesWritten: Int { lines.withLock { $0 } }

    /// Deletes the file when this object created it and wrote nothing to it, so a run that delivered
    /// everything leaves no empty file behind.
    public func removeIfUnused() {
        guard !existedBefore, linesWritten == 0 else { return }
        unlink(path)
    }
}

/// Writes every batch to a JSONL file: `--jsonl-out`, the OpenTelemetry file-exporter format.
@_spi(Pipeline) public struct JSONLFileExporter: BatchExporter {
    /// The file.
    public let file: JSONLFile

    /// Creates the exporter.
    public init(file: JSONLFile) { self.file = file }

    public var destination: String { file.path }

    public var isLocal: Bool { true }

    public func export(_ batch: EncodedBatch, deadline: Double) -> ExportOutcome {
        if let reason = file.append(batch.json) { return .rejected("cannot write \(file.path): \(reason)") }
        return .delivered
    }
}
