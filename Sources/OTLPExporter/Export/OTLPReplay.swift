import Foundation

/// Sends an OTLP JSONL file (a fallback file or a dump) to exporters, line by line.
public enum OTLPReplay {
    /// What a replay did.
    public struct Summary: Sendable, Equatable {
        /// Lines delivered.
        public var delivered = 0
        /// Spans and log records in them.
        public var items = 0
        /// Lines that were not OTLP JSON, with their numbers.
        public var skipped: [Int] = []
        /// Lines that could not be delivered.
        public var failed: [Int] = []

        /// Creates a summary.
        public init(delivered: Int = 0, items: Int = 0, skipped: [Int] = [], failed: [Int] = []) {
            self.delivered = delivered
            self.items = items
            self.skipped = skipped
            self.failed = failed
        }
    }

    /// Replays `path`: each `TracesData` line goes to `traces`, each `LogsData` line to `logs`. A line that is
    /// not OTLP JSON is reported (with its number and why) and skipped; the rest go on.
    public static func replay(
        path: String, traces: any BatchExporter, logs: any BatchExporter, timeoutSeconds: Double,
        clock: any OTLPClock = SystemOTLPClock(), report: (String) -> Void
    ) throws(OTLPConfigError) -> Summary {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw OTLPConfigError("replay: cannot read '\(path)': \(reason)")
        }
        defer { try? handle.close() }
        let data = handle.readDataToEndOfFile()
        var summary = Summary()
        var number = 0
        for rawLine in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            let line = Array(rawLine)
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            let classified = classify(line)
            guard case .success(let batch) = classified else {
                if case .failure(let reason) = classified { report("line \(number): \(reason.message); skipped") }
                summary.skipped.append(number)
                continue
            }
            let exporter = batch.signal == .traces ? traces : logs
            switch exporter.export(batch, deadline: clock.now() + timeoutSeconds) {
            case .delivered:
                summary.delivered += 1
                summary.items += batch.itemCount
            case .failed(let reason):
                report("line \(number): not delivered to \(exporter.destination): \(reason)")
                summary.failed.append(number)
            }
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
        return .failure(OTLPConfigError("not OTLP JSON (no resourceSpans or resourceLogs array)"))
    }
}
