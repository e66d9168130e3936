import ECLCore
import ECLLogging
import Foundation
import JSONWriting

/// Prints run results, workflow lists and workflow status as text for people or JSON lines for machines.
struct ResultPrinter {
    let format: OutputFormat

    // MARK: run

    /// One workflow of a run of many: a line of text, or its JSON line.
    func print(_ result: WorkflowResult) {
        switch format {
        case .json: line(RunSummary.line(result))
        case .text:
            let error = result.error.map { "  error: \($0)" } ?? ""
            line("\(result.workflowId)  \(result.status.rawValue.padded(9))  revisions \(result.revisions)  retries \(result.retries)  \(Self.ms(result.durationMs))\(error)")
        }
    }

    /// The run's totals, where its output went and how long it took. A run of one workflow gets no totals
    /// (its detail said it all): only the files beyond the store, and its spans, in text.
    func printSummary(_ totals: RunTotals, outputs: RunOutputs, single: Bool, store: String = StoreOptions.defaultPath) {
        switch format {
        case .json:
            if !single { emit(["summary": SummaryJSON(totals: totals, outputs: outputs)]) }
        case .text:
            if !single {
                var counts = "\(totals.completed) completed, \(totals.failed) failed"
                if totals.cancelled > 0 || totals.notStarted > 0 { counts += ", \(totals.cancelled) cancelled, \(totals.notStarted) not started" }
                line("")
                line("\(totals.workflows) workflows: \(counts); \(totals.retries) retries, \(totals.revisions) revisions, \(totals.tokensUsed) tokens")
                let then = totals.finishSeconds >= 1 ? ", then \(ProgressLine.seconds(totals.finishSeconds)) to deliver the last telemetry" : ""
                line("Took \(ProgressLine.seconds(totals.wallSeconds)) (\(String(format: "%.1f", totals.throughput)) workflows/s)\(then).")
            }
            let files = single ? outputs.files.filter { $0.holds != "the store" } : outputs.files
            if !files.isEmpty { line("Wrote: " + files.map { "\($0.path) (\($0.holds))" }.joined(separator: "; ")) }
            if let endpoint = outputs.prometheus_endpoint {
                line("Prometheus: served \(endpoint.url) while the run lasted, scraped \(endpoint.scrapes) time\(endpoint.scrapes == 1 ? "" : "s").")
            }
            if !single, let run = outputs.run_id {
                line("Run \(run): ecl-workflows report --run \(run) --html report.html\(Self.dbOption(store))")
            }
            for (what, delivery) in [("Spans", outputs.spans), ("Metric data points", outputs.metrics)] {
                guard let delivery else { continue }
                // "Delivered" is what reached a collector; a dump alone is "written".
                if let collector = delivery.collector {
                    let rejected = delivery.rejected > 0 ? ", \(delivery.rejected) refused by the collector (kept in the spool's rejected file)" : ""
                    line("\(what): \(delivery.delivered) delivered to \(collector), \(delivery.spooled) spooled\(rejected), \(delivery.lost) lost.")
                } else {
                    line("\(what): \(delivery.delivered) written, \(delivery.lost) lost.")
                }
            }
            if let prometheus = outputs.prometheus {
                var failed = prometheus.failed > 0 ? ", \(prometheus.failed) failed" : ""
                if prometheus.last_push_failed { failed += "; the run's last figures did not reach it" }
                line("Prometheus: pushed \(prometheus.pushes) time\(prometheus.pushes == 1 ? "" : "s") to \(prometheus.pushgateway)\(failed) (job \(prometheus.job), run \(prometheus.run)).")
            }
            if let sampling = outputs.sampling {
                // Said, so that a workflow with warnings only is not taken for one that logged nothing else.
                var text = "Log sampling: \(Self.percent(sampling.ratio)) of workflows kept whole; the others wrote warnings and errors only"
                if sampling.keep_failed {
                    text += ", except \(sampling.kept_failed) that failed and \(sampling.kept_failed == 1 ? "was" : "were") kept whole"
                }
                line(text + ".")
            }
            if !single, let store = outputs.files.first(where: { $0.holds == "the store" }) {
                line("See 'ecl-workflows list\(Self.dbOption(store.path))' and 'ecl-workflows status <id>\(Self.dbOption(store.path))'.")
            }
        }
    }

    /// One workflow's run in detail (text), or its JSON line.
    func printDetail(_ result: WorkflowResult, database: String) {
        guard format == .text else {
            line(RunSummary.line(result))
            return
        }
        line("Workflow \(result.name) \(result.workflowId): \(result.status.rawValue) in \(Self.ms(result.durationMs))")
        for step in result.stepMetadata {
            let error = step.error.map { "  error: \($0)" } ?? ""
            line("  \(("\(step.stepId) #\(step.executionIndex)").padded(14)) \(step.state.rawValue.padded(15)) attempts \(step.attempts)  tokens \(step.tokensUsed)  \(Self.ms(step.durationMs))\(error)")
        }
        line("Revisions: \(result.revisions)  Retries: \(result.retries)  Tokens: \(result.tokensUsed)")
        if let error = result.error { line("Error: \(error)") }
        let decoder = JSONDecoder()
        let draft = (result.stepOutputs["revise"] ?? result.stepOutputs["generate"]).flatMap { try? decoder.decode(Draft.self, from: Data($0.utf8)) }
        if let draft {
            line("")
            line("Final draft (revision \(draft.revision)):")
            line("  \(draft.text)")
        }
        if let critique = result.stepOutputs["critique"].flatMap({ try? decoder.decode(Critique.self, from: Data($0.utf8)) }) {
            line("")
            line("Critique (\(critique.decision.rawValue)): \(critique.critique)")
            if !critique.feedback.isEmpty { line("Feedback: \(critique.feedback)") }
        }
        line("")
        if database == ":memory:" {
            line("Not kept: --db :memory: keeps no record after the run.")
        } else {
            line("Recorded in \(database): ecl-workflows status \(result.workflowId)\(Self.dbOption(database))")
        }
    }

    /// ` --db PATH` unless `path` is the default store.
    static func dbOption(_ path: String) -> String { path == "ecl.db" ? "" : " --db \(path)" }

    /// A ratio as a percentage: 0.1 → "10%", 0.125 → "12.5%".
    static func percent(_ ratio: Double) -> String {
        let value = ratio * 100
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%g%%", value)
    }

    // MARK: list and status

    func print(workflows: [WorkflowRecord]) {
        switch format {
        case .json:
            for record in workflows { emit(WorkflowJSON(record)) }
        case .text:
            if workflows.isEmpty { line("No workflows recorded yet."); return }
            line("\("ID".padded(36))  \("WORKFLOW".padded(15))  \("STATE".padded(9))  CREATED (UTC)")
            for record in workflows {
                line("\(record.id)  \(record.definition.padded(15))  \(record.state.rawValue.padded(9))  \(UTCTimestamp.format(record.createdAt))")
            }
        }
    }

    func print(status record: WorkflowRecord, steps: [StepExecutionRecord]) {
        switch format {
        case .json:
            emit(StatusJSON(workflow: WorkflowJSON(record), steps: steps.map(StepJSON.init)))
        case .text:
            line("Workflow \(record.definition) \(record.id): \(record.state.rawValue)")
            line("  created   \(UTCTimestamp.format(record.createdAt))")
            if let completed = record.completedAt { line("  completed \(UTCTimestamp.format(completed))") }
            if let error = record.error { line("  error     \(error)") }
            let retries = steps.filter { $0.attempt > 1 }.count
            line("  \(steps.count) step attempts, \(retries) of them retries")
            for step in steps {
                let error = step.error.map { "  error: \($0)" } ?? ""
                line("  \(("\(step.stepId) #\(step.executionIndex)").padded(14)) attempt \(step.attempt)  \(step.state.rawValue.padded(15)) tokens \(step.tokensUsed)  \(Self.ms(step.durationMs))\(error)")
            }
        }
    }

    // MARK: helpers

    /// Writes one line to stdout after every buffered log line, so results never interleave with logs. In
    /// text, control characters (from a topic or a model's reply) are shown as escapes, never sent raw.
    private func line(_ text: String) {
        ECLLoggingSystem.flush()
        Console.out(format == .text ? VisibleText.escape(text) : text)
    }

    private func emit<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return }
        // JSONEncoder leaves DEL, C1, separators and bidirectional controls raw: escaped like the log lines' JSON.
        line(VisibleText.escapingJSON(String(decoding: data, as: UTF8.self)))
    }

    static func ms(_ value: Double) -> String {
        value < 10 ? String(format: "%.2f ms", value) : String(format: "%.0f ms", value)
    }
}

/// A run's result as one JSON line, keys sorted. Written directly: the step outputs are JSON text already
/// (as the store has them) and go in as they are, not decoded and encoded again.
enum RunSummary {
    static func line(_ result: WorkflowResult) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(#"{"attempts":"#)
        out.append(decimal: result.totalAttempts)
        out.append(#","duration_ms":"#)
        out.append(result.durationMs.isFinite ? "\(result.durationMs)" : "0")
        if let error = result.error {
            out.append(#","error":"#)
            out.append(jsonString: "\(error)")
        }
        out.append(#","outputs":{"#)
        for (index, (id, json)) in result.stepOutputs.sorted(by: { $0.key.rawValue < $1.key.rawValue }).enumerated() {
            if index > 0 { out.append(ascii: ",") }
            out.append(jsonString: id.rawValue)
            out.append(ascii: ":")
            out.append(VisibleText.escapingJSON(json))
        }
        out.append(#"},"retries":"#)
        out.append(decimal: result.retries)
        out.append(#","revisions":"#)
        out.append(decimal: result.revisions)
        out.append(#","status":"#)
        out.append(jsonString: result.status.rawValue)
        out.append(#","tokens_used":"#)
        out.append(decimal: result.tokensUsed)
        out.append(#","workflow_id":"#)
        out.append(jsonString: result.workflowId.description)
        out.append(#","workflow_name":"#)
        out.append(jsonString: result.name)
        out.append(ascii: "}")
        return String(decoding: out, as: UTF8.self)
    }
}

/// The `summary` line: the run's totals and where its output went.
private struct SummaryJSON: Encodable {
    let totals: RunTotals
    let outputs: RunOutputs

    func encode(to encoder: any Encoder) throws {
        try totals.encode(to: encoder)
        try outputs.encode(to: encoder)
    }
}

private struct WorkflowJSON: Encodable {
    let workflow_id: String
    let workflow_name: String
    let state: String
    let input: JSONValue
    let output: JSONValue?
    let error: String?
    let created_at: String
    let updated_at: String
    let completed_at: String?

    init(_ record: WorkflowRecord) {
        workflow_id = record.id.description
        workflow_name = record.definition
        state = record.state.rawValue
        input = JSONValue.parse(record.input)
        output = record.output.map(JSONValue.parse)
        error = record.error
        created_at = UTCTimestamp.format(record.createdAt)
        updated_at = UTCTimestamp.format(record.updatedAt)
        completed_at = record.completedAt.map(UTCTimestamp.format)
    }
}

private struct StepJSON: Encodable {
    let step_id: String
    let execution_index: Int
    let attempt: Int
    let state: String
    let error: String?
    let started_at: String
    let completed_at: String
    let duration_ms: Double
    let tokens_used: Int

    init(_ record: StepExecutionRecord) {
        step_id = record.stepId.rawValue
        execution_index = record.executionIndex
        attempt = record.attempt
        state = record.state.rawValue
        error = record.error
        started_at = UTCTimestamp.format(record.startedAt)
        completed_at = UTCTimestamp.format(record.completedAt)
        duration_ms = record.durationMs
        tokens_used = record.tokensUsed
    }
}

private struct StatusJSON: Encodable {
    let workflow: WorkflowJSON
    let steps: [StepJSON]
}

extension JSONValue {
    /// Parses JSON text; text that is not JSON becomes a string value.
    static func parse(_ text: String) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text)
    }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
