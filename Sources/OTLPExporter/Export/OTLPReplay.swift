import Foundation

/// Sends OTLP JSONL to exporters: a spool directory (drained as the exporter drains it: oldest first, each
/// batch removed after a 2xx) or any OTLP JSONL file (a dump; left as it is).
@_spi(Pipeline) public enum OTLPReplay {
    /// What a replay did.
    public struct Summary: Sendable, Equatable {
        /// Lines delivered.
        public var delivered = 0
        /// Spans and log records in them.
        public var items = 0
        /// Lines that were not OTLP JSON, with their numbers (file replays only).
        public var skipped: [Int] = []
        /// Lines the collector refused for good, with their numbers (in a spool: counted, kept in its rejected file).
        public var failed: [Int] = []
        /// Lines not sent because the collector could not be reached; the replay stopped at the first.
        public var notSent = 0
        /// Items of delivered lines the collector said it refused (an OTLP partial success): kept nowhere.
        public var refusedInPart = 0

        /// Creates a summary.
        public init(delivered: Int = 0, items: Int = 0, skipped: [Int] = [], failed: [Int] = [], notSent: Int = 0) {
            self.delivered = delivered
            self.items = items
            self.skipped = skipped
            self.failed = failed
            self.notSent = notSent
        }
    }

    /// Replays `path`: each `TracesData` line goes to `traces`, each `LogsData` line to `logs`, each
    /// `MetricsData` line to `metrics` (a metrics line without a metrics exporter is skipped). A line that is
    /// not OTLP JSON is reported (with its number and why) and skipped; a collector that cannot be reached
    /// stops the replay at once, leaving the input as it was from that line on. A directory is replayed as a
    /// spool. A missing path, a directory that is not a spool, or a file without one OTLP line is an error.
    public static func replay(
        path: String, traces: any BatchExporter, logs: any BatchExporter, metrics: (any BatchExporter)? = nil, timeoutSeconds: Double,
        clock: any OTLPClock = SystemOTLPClock(), report: (String) -> Void
    ) throws(OTLPConfigError) -> Summary {
        let exporters: [OTLPSignal: any BatchExporter] = metrics.map { [.traces: traces, .logs: logs, .metrics: $0] } ?? [.traces: traces, .logs: logs]
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw OTLPConfigError("replay: '\(path)' does not exist; expected an OTLP JSONL file or a spool directory")
        }
        if isDirectory.boolValue {
            return try replaySpool(path, exporters: exporters, timeoutSeconds: timeoutSeconds, clock: clock, report: report)
        }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw OTLPConfigError("replay: '\(path)' is not a regular file; expected an OTLP JSONL file or a spool directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OTLPConfigError("replay: cannot read '\(path)': permission denied")
        }
        var summary = Summary()
        var batches: [(number: Int, batch: EncodedBatch)] = []
        var skipReasons: [String] = []
        var number = 0
        for rawLine in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            let line = Array(rawLine)
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            switch classify(line) {
            case .success(let batch) where exporters[batch.signal] == nil:
                skipReasons.append("line \(number): a MetricsData document, and metrics have no destination here; skipped")
                summary.skipped.append(number)
            case .success(let batch): batches.append((number, batch))
            case .failure(let reason):
                skipReasons.append("line \(number): \(reason.message); skipped")
                summary.skipped.append(number)
            }
        }
        guard !batches.isEmpty else {
            throw OTLPConfigError("replay: '\(path)' holds no OTLP JSON line (TracesData, LogsData or MetricsData); nothing to send")
        }
        skipReasons.forEach(report)
        for (index, entry) in batches.enumerated() {
            let exporter = exporters[entry.batch.signal]!
            switch exporter.export(entry.batch, deadline: clock.now() + timeoutSeconds) {
            case .delivered:
                summary.delivered += 1
                summary.items += entry.batch.itemCount
                summary.refusedInPart += exporter.takeRefusedInPart()
            case .rejected(let reason):
                report("line \(entry.number): refused by \(exporter.destination): \(reason)")
                summary.failed.append(entry.number)
            case .unavailable(let reason):
                report("line \(entry.number): \(exporter.destination) cannot be reached (\(reason)); stopped, nothing after it was sent")
                summary.notSent = batches.count - index
                return summary
            }
        }
        return summary
    }

    /// Drains a spool directory: every signal's segments that has an exporter, oldest first, each line
    /// acknowledged (and each segment removed) only after its 2xx; a refused line moves to the rejected file.
    static func replaySpool(
        _ directory: String, exporters: [OTLPSignal: any BatchExporter], timeoutSeconds: Double,
        clock: any OTLPClock, report: (String) -> Void
    ) throws(OTLPConfigError) -> Summary {
        // Every stream of each signal, whatever destination it was meant for: a replay names its own.
        let streams = OTLPSignal.allCases.filter { exporters[$0] != nil }.flatMap { signal in
            Spool.prefixes(in: directory, base: signal.rawValue).map { (signal, $0) }
        }
        guard !streams.isEmpty else {
            throw OTLPConfigError("replay: '\(directory)' is a directory with no spool segments (traces*.jsonl, logs*.jsonl, metrics*.jsonl); expected an OTLP JSONL file or a spool directory")
        }
        var summary = Summary()
        for (signal, prefix) in streams {
            let drained = drain(
                try Spool(directory: directory, signal: signal, prefix: prefix), to: exporters[signal]!,
                timeoutSeconds: timeoutSeconds, clock: clock, report: report)
            summary.delivered += drained.delivered
            summary.items += drained.items
            summary.failed += drained.failed
            summary.refusedInPart += drained.refusedInPart
            if drained.notSent > 0 {
                // Stopped: what is left counts every stream of both signals, not only this one's.
                summary.notSent = Spool.pendingBatches(in: directory, prefixes: streams.map(\.1))
                return summary
            }
        }
        rmdir(directory)  // once drained, the spool directory goes, as at the end of a run
        return summary
    }

    /// Sends one spool's segments to `exporter`, oldest first, each line acknowledged (and each segment
    /// removed) after it was taken; a line that is not OTLP, or that the destination refuses for good, moves
    /// to the rejected file. Stops at the first line the destination cannot take now (``Summary/notSent``
    /// then counts what is left). Segments another process holds are left, and counted.
    public static func drain(
        _ spool: Spool, to exporter: any BatchExporter, timeoutSeconds: Double, clock: any OTLPClock = SystemOTLPClock(),
        report: (String) -> Void
    ) -> Summary {
        var summary = Summary()
        let document = spool.signal.documentName
        func setAside(_ line: [UInt8], _ why: String, in segment: SpoolSegment) {
            report("\(segment.path): \(why); \(spool.setAside(line).message)")
            summary.failed.append(summary.failed.count + 1)
        }
        var seen: Set<String> = []
        while let segment = spool.oldestPending(), seen.insert(segment.path).inserted {
            while let line = segment.current {
                defer { if summary.notSent == 0 { segment.acknowledge() } }
                guard segment.currentIsOTLP else {
                    setAside(line, "a line that is not an OTLP \(document) document; not sent", in: segment)
                    continue
                }
                let batch = EncodedBatch(spooled: line, signal: spool.signal)
                switch exporter.export(batch, deadline: clock.now() + timeoutSeconds) {
                case .delivered:
                    summary.delivered += 1
                    summary.items += batch.itemCount
                    summary.refusedInPart += exporter.takeRefusedInPart()
                case .rejected(let reason):
                    setAside(line, "a batch refused by \(exporter.destination): \(reason)", in: segment)
                case .unavailable(let reason):
                    report("\(exporter.destination) cannot be reached (\(reason)); stopped, the spool keeps the rest")
                    summary.notSent = Spool.pendingBatches(in: spool.directory, prefixes: [spool.prefix])
                    return summary
                }
            }
        }
        let held = Spool.pendingBatches(in: spool.directory, prefixes: [spool.prefix])
        if held > 0 {
            report("\(held) batches were not sent: their segments are being written or sent by another process (a run using this spool); nothing was sent twice")
            summary.notSent = held
        }
        return summary
    }

    /// The line as a batch, or why it is not OTLP JSON.
    static func classify(_ line: [UInt8]) -> Result<EncodedBatch, OTLPConfigError> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            return .failure(OTLPConfigError("not a JSON object"))
        }
        if let resources = object["resourceSpans"] as? [[String: Any]] {
            let count = resources.reduce(0) { total, resource in
                total + ((resource["scopeSpans"] as? [[String: Any]]) ?? []).reduce(0) { $0 + (($1["spans"] as? [Any])?.count ?? 0) }
            }
            return .success(EncodedBatch(signal: .traces, json: line, itemCount: count))
        }
        if let resources = object["resourceLogs"] as? [[String: Any]] {
            let count = resources.reduce(0) { total, resource in
                total + ((resource["scopeLogs"] as? [[String: Any]]) ?? []).reduce(0) { $0 + (($1["logRecords"] as? [Any])?.count ?? 0) }
            }
            return .success(EncodedBatch(signal: .logs, json: line, itemCount: count))
        }
        if object["resourceMetrics"] is [[String: Any]] {
            return .success(EncodedBatch(spooled: line, signal: .metrics))
        }
        return .failure(OTLPConfigError("not OTLP JSON (no resourceSpans, resourceLogs or resourceMetrics array)"))
    }
}
