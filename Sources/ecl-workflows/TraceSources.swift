import ECLCore
@_spi(Pipeline) import ECLLogSQL
@_spi(Pipeline) import ECLTelemetry
import Foundation
import JSONWriting
import LogLineCore
@_spi(Pipeline) import OTLPExporter
import CurlClient
import TraceView

/// A workflow's spans and log lines gathered from wherever they are: OTLP JSONL dumps and spool directories
/// (`--from`, else the default spool), the store (its record, and its step tries as spans when no file holds
/// the workflow's spans), and the log database when no file holds its log records.
struct TraceSources {
    var spans: [TraceSpan] = []
    var logs: [TraceLogRecord] = []
    /// The workflow's record in the store, if the store holds it.
    var record: WorkflowRecord?
    /// Where the spans and log lines came from, as the views name it: `s.jsonl (31 spans)`.
    var used: [String] = []
    /// Where it was looked for, for the line that says it was found nowhere.
    var searched: [String] = []
    /// The spans are the store's (no file held any).
    var fromStoreOnly = false
    /// Lines of the files that were not JSON (path and how many).
    var unreadable: [(path: String, lines: Int)] = []

    /// The spool directory's files that hold spans or log records: segments and the rejected files.
    static func spoolFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            name.hasSuffix(".jsonl") && ["traces", "logs", "rejected-traces", "rejected-logs"].contains { name.hasPrefix($0) }
        }.sorted().map { directory + "/" + $0 }
    }

    /// Reads OTLP files: each `--from` path (a dump, with its `-logs` file beside it, or a spool directory),
    /// or the default spool when there is none.
    mutating func readFiles(_ paths: [String], traceId: TraceID) throws {
        let reader = OTLPJSONLReader(traceId: traceId.description)
        var files: [String] = []
        var isDirectory: ObjCBool = false
        if paths.isEmpty {
            let spool = TelemetryOptions.defaultSpoolDirectory
            searched.append(spool + "/")
            if FileManager.default.fileExists(atPath: spool, isDirectory: &isDirectory), isDirectory.boolValue {
                files = Self.spoolFiles(in: spool)
            }
        }
        for path in paths {
            searched.append(VisibleText.escape(path))
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw UsageError(option: "--from", value: path, expected: "an OTLP JSONL file (a --jsonl-out dump) or a spool directory (it does not exist)")
            }
            var info = stat()
            if !isDirectory.boolValue, stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG, info.st_mode & S_IFMT != S_IFIFO {
                throw UsageError(option: "--from", value: path, expected: "an OTLP JSONL file (a --jsonl-out dump) or a spool directory (this is a device or a socket)")
            }
            if isDirectory.boolValue {
                let found = Self.spoolFiles(in: path)
                guard !found.isEmpty else {
                    throw UsageError(option: "--from", value: path, expected: "an OTLP JSONL file or a spool directory (this directory holds no traces or logs segments)")
                }
                files += found
            } else {
                files.append(path)
                let logs = TelemetryOptions.logsPath(for: path)
                if logs != path, !paths.contains(logs), FileManager.default.fileExists(atPath: logs) { files.append(logs) }
            }
        }
        for file in files {
            let content: OTLPJSONLReader.Content
            do { content = try reader.read(path: file) } catch {
                throw UsageError("--from: \(error.description)")
            }
            if !content.unreadableLines.isEmpty { unreadable.append((file, content.unreadableLines.count)) }
            guard !content.spans.isEmpty || !content.logs.isEmpty else { continue }
            spans += content.spans
            logs += content.logs
            var held: [String] = []
            if !content.spans.isEmpty { held.append("\(content.spans.count) span\(content.spans.count == 1 ? "" : "s")") }
            if !content.logs.isEmpty { held.append("\(content.logs.count) log record\(content.logs.count == 1 ? "" : "s")") }
            used.append("\(VisibleText.escape(file)) (\(held.joined(separator: ", ")))")
        }
    }

    /// Reads the workflow's record and step tries from the store at `path`; its tries become spans when no
    /// file held any. A store that does not exist is passed over unless it was named (`named`).
    mutating func readStore(path: String, named: Bool, id: WorkflowId) async throws {
        searched.append(VisibleText.escape(path))
        guard path != ":memory:" else { return }
        guard FileManager.default.fileExists(atPath: path) else {
            if named { throw UsageError(option: "--db", value: path, expected: "a store written by a run (no such file)") }
            return
        }
        let store: SQLiteWorkflowStore
        do { store = try SQLiteWorkflowStore(path: path, readOnly: true) } catch {
            throw UsageError("--db: \(error.plainMessage)")
        }
        do {
            record = try await store.workflow(id)
            guard let record, spans.isEmpty else { return }
            let steps = try await store.stepExecutions(of: id)
            spans = StoreTrace.spans(record: record, steps: steps)
            used.append("\(VisibleText.escape(path)) (the store: the workflow and its steps' tries)")
            fromStoreOnly = true
        } catch {
            throw UsageError("--db: \(error)")
        }
    }

    /// Reads the workflow's lines from the log database, when they are `needed` and no file held its log
    /// records. The URL is checked either way: a bad one is a usage error whether or not it is read.
    mutating func readLogDatabase(url: String, source: String, id: WorkflowId, environment: [String: String], needed: Bool) throws {
        let destination: SQLLogDestination
        do throws(ECLError) { destination = try SQLLogDestination.parse(url, source: source, environment: environment) } catch {
            throw UsageError(sql: error, source: source)
        }
        guard needed else { return }
        searched.append(URLText.redacted(url))
        guard logs.isEmpty else { return }
        let events: [StoredLogLine]
        do throws(ECLError) {
            if case .sqlite(let path) = destination, path != ":memory:", !FileManager.default.fileExists(atPath: path) { return }
            let store = try destination.open(readOnly: true)
            defer { store.close() }
            events = try store.events(workflowId: id.description, minimumLevel: nil, since: nil)
        } catch {
            throw UsageError(sql: error, source: source)
        }
        guard !events.isEmpty else { return }
        logs = events.map(StoreTrace.logRecord)
        used.append("\(URLText.redacted(url)) (\(events.count) log line\(events.count == 1 ? "" : "s"))")
    }
}

/// What the store knows of a workflow, as spans: the workflow, and each try of each step under it, with the
/// span ids the live spans have (the derived ids), the error of a failed try and a `retry` event on a try
/// that was tried again.
enum StoreTrace {
    static func spans(record: WorkflowRecord, steps: [StepExecutionRecord]) -> [TraceSpan] {
        let traceId = DerivedSpanIDs.traceID(for: record.id)?.description ?? record.id.description
        let workflowSpan = DerivedSpanIDs.workflowSpanID(record.id).description
        let stepsEnd = steps.map(\.completedAt).max() ?? record.updatedAt
        let end = record.completedAt ?? max(record.updatedAt, stepsEnd)
        var status = TraceSpan.Status.unset
        var message: String?
        if record.state == .failed || record.state == .cancelled {
            status = .error
            message = record.error.map { record.state == .cancelled ? "cancelled: \($0)" : $0 } ?? record.state.rawValue
        }
        var spans = [
            TraceSpan(
                traceId: traceId, spanId: workflowSpan, parentSpanId: nil, name: "workflow \(record.definition)",
                startNanos: nanos(record.createdAt), endNanos: nanos(end), status: status, statusMessage: message,
                attributes: [
                    .init(SpanAttributeName.workflowId, .string(record.id.description)),
                    .init(SpanAttributeName.workflowName, .string(record.definition)),
                    .init("ecl.workflow.state", .string(record.state.rawValue)),
                ])
        ]
        for step in steps {
            let triedAgain = steps.contains {
                $0.stepId == step.stepId && $0.executionIndex == step.executionIndex && $0.attempt > step.attempt
            }
            var attributes: [TraceSpan.Attribute] = [
                .init(SpanAttributeName.stepId, .string(step.stepId.rawValue)),
                .init(SpanAttributeName.stepAttempt, .int(Int64(step.attempt))),
                .init(SpanAttributeName.stepExecutionIndex, .int(Int64(step.executionIndex))),
            ]
            if step.tokensUsed > 0 { attributes.append(.init(SpanConventions().totalTokens, .int(Int64(step.tokensUsed)))) }
            if let model = step.model { attributes.append(.init(SpanAttributeName.genAIRequestModel, .string(model))) }
            let failed = step.state == .failed
            spans.append(
                TraceSpan(
                    traceId: traceId,
                    spanId: DerivedSpanIDs.stepSpanID(workflowId: record.id, stepId: step.stepId, executionIndex: step.executionIndex, attempt: step.attempt).description,
                    parentSpanId: workflowSpan, name: "step \(step.stepId.rawValue)", startNanos: nanos(step.startedAt),
                    endNanos: nanos(step.completedAt), status: failed ? .error : .unset, statusMessage: failed ? (step.error ?? "failed") : nil,
                    attributes: attributes,
                    events: triedAgain ? [.init(name: "retry", timeNanos: nanos(step.completedAt), attributes: [.init(SpanAttributeName.stepAttempt, .int(Int64(step.attempt)))])] : []))
        }
        return spans
    }

    /// A stored log line as a log record (its fields parsed back from their JSON object).
    static func logRecord(_ line: StoredLogLine) -> TraceLogRecord {
        let level = LogLevelTable.level(named: line.level) ?? .info
        var attributes: [TraceSpan.Attribute] = []
        if let object = try? JSONSerialization.jsonObject(with: Data(line.fields.utf8)) as? [String: Any] {
            for key in object.keys.sorted() {
                let value = object[key]
                let text: TraceValue = switch value {
                case let text as String: .string(text)
                case let number as NSNumber where String(cString: number.objCType) == "c": .bool(number.boolValue)
                case let number as NSNumber: number.doubleValue == number.doubleValue.rounded() ? .int(number.int64Value) : .double(number.doubleValue)
                default: .json((try? JSONSerialization.data(withJSONObject: value as Any, options: [.fragmentsAllowed, .sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "")
                }
                attributes.append(.init(key, text))
            }
        }
        return TraceLogRecord(
            timeNanos: nanos(line.timestamp), level: line.level, severityNumber: LogLevelTable.severity(level).number, body: line.message,
            attributes: attributes, spanId: line.spanId)
    }

    /// Nanoseconds since the epoch; a date before it is 0, one past what 64 bits hold (after 2554) the largest.
    static func nanos(_ date: Date) -> UInt64 {
        let micros = (date.timeIntervalSince1970 * 1e6).rounded()
        guard micros > 0 else { return 0 }
        return micros < Double(UInt64.max / 1000) ? UInt64(micros) * 1000 : UInt64.max
    }
}
