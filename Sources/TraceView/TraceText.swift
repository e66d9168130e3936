import Foundation
import JSONWriting

/// The words and numbers every view of a trace uses: durations, labels, marks.
public enum TraceText {
    /// A duration in nanoseconds as people read it: `0.42 ms`, `12.4 ms`, `318 ms`, `1.25 s`, `2 m 05 s`.
    public static func duration(nanos: UInt64) -> String {
        let ms = Double(nanos) / 1e6
        switch ms {
        case ..<10: return String(format: "%.2f ms", ms)
        case ..<100: return String(format: "%.1f ms", ms)
        case ..<1000: return String(format: "%.0f ms", ms)
        case ..<10_000: return String(format: "%.2f s", ms / 1000)
        case ..<60_000: return String(format: "%.1f s", ms / 1000)
        case ..<3_600_000:
            let seconds = Int(ms / 1000)
            return String(format: "%d m %02d s", seconds / 60, seconds % 60)
        default:
            let minutes = Int(min(ms / 60_000, 9e15))
            return minutes >= 1440 * 365 ? String(format: "%.0f d", ms / 86_400_000) : String(format: "%d h %02d m", minutes / 60, minutes % 60)
        }
    }

    /// A count with thousands separated: `12,345`.
    public static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// A span's name with its execution and try: `step critique #1 try 2` (`#` the execution index, the try
    /// only from the second on).
    public static func label(_ span: TraceSpan, _ facts: SpanFacts) -> String {
        var label = span.name.isEmpty ? "(unnamed span)" : span.name
        if let index = facts.executionIndex { label += " #\(index)" }
        if let attempt = facts.attempt, attempt > 1 { label += " try \(attempt)" }
        return VisibleText.escape(label)
    }

    /// The marks of a span: its retry, its revision, its tokens, then its failure with the error.
    public static func marks(_ facts: SpanFacts) -> [Mark] {
        var marks: [Mark] = []
        if facts.retried { marks.append(Mark(kind: .retried, text: "↻ retried")) }
        if let index = facts.executionIndex, index > 0, facts.isStep { marks.append(Mark(kind: .revision, text: "↺ revision loop")) }
        if let tokens = tokens(facts) { marks.append(Mark(kind: .tokens, text: tokens)) }
        // The error last: where a line is cut, only its end goes.
        if let error = facts.error { marks.append(Mark(kind: .failed, text: "✗ " + VisibleText.escape(error))) }
        return marks
    }

    /// Tokens as a mark: `120 in → 45 out tokens`, or `165 tokens` for a total.
    public static func tokens(_ facts: SpanFacts) -> String? {
        if facts.inputTokens != nil || facts.outputTokens != nil {
            return "\(count(facts.inputTokens ?? 0)) in → \(count(facts.outputTokens ?? 0)) out tokens"
        }
        return facts.totalTokens.flatMap { $0 > 0 ? "\(count($0)) tokens" : nil }
    }

    /// One mark on a span.
    public struct Mark: Sendable, Equatable {
        /// What a mark says.
        public enum Kind: String, Sendable, Codable { case failed, retried, revision, tokens }
        /// What it says.
        public var kind: Kind
        /// How it reads.
        public var text: String
    }

    /// The first line of the header: what the trace is and its totals.
    public static func summary(_ tree: TraceTree) -> String {
        let totals = tree.totals
        var parts = ["\(count(totals.spans)) span\(totals.spans == 1 ? "" : "s")", duration(nanos: tree.endNanos - tree.startNanos)]
        if totals.failedSpans > 0 { parts.append("\(totals.failedSpans) failed") }
        if totals.retries > 0 { parts.append("\(totals.retries) retr\(totals.retries == 1 ? "y" : "ies")") }
        if totals.tokens > 0 {
            var tokens = "\(count(totals.tokens)) tokens"
            if totals.inputTokens > 0 || totals.outputTokens > 0 {
                tokens += " (\(count(totals.inputTokens)) in, \(count(totals.outputTokens)) out)"
            }
            parts.append(tokens)
        }
        if tree.logCount > 0 { parts.append("\(count(tree.logCount)) log line\(tree.logCount == 1 ? "" : "s")") }
        if tree.duplicateSpans > 0 { parts.append("\(count(tree.duplicateSpans)) span\(tree.duplicateSpans == 1 ? "" : "s") given twice, drawn once") }
        if tree.cyclesCut > 0 { parts.append("\(tree.cyclesCut) parent cycle\(tree.cyclesCut == 1 ? "" : "s") cut") }
        if tree.untimed > 0 { parts.append("\(count(tree.untimed)) span\(tree.untimed == 1 ? "" : "s") without a start time, drawn without a bar") }
        if tree.endedBeforeStart > 0 {
            parts.append("\(count(tree.endedBeforeStart)) span\(tree.endedBeforeStart == 1 ? " ends" : "s end") before \(tree.endedBeforeStart == 1 ? "it starts" : "they start"), drawn as taking no time")
        }
        if tree.flattened > 0 { parts.append("\(count(tree.flattened)) span\(tree.flattened == 1 ? "" : "s") deeper than \(TraceTree.maxDepth) levels drawn at that depth") }
        return parts.joined(separator: " · ")
    }

    /// A log record's message and shown fields as one line: `Retrying after failure attempt=1 error=…`.
    public static func logLine(_ record: TraceLogRecord, conventions: SpanConventions) -> String {
        var line = VisibleText.escape(record.body)
        for field in conventions.shownFields(of: record) {
            let value = field.value.description
            let shown = value.contains(" ") || value.isEmpty ? "\"\(value)\"" : value
            line += " \(VisibleText.escape(field.key))=\(VisibleText.escape(shown))"
        }
        return line
    }

    /// A span's duration, or `no time` for one without a start time.
    public static func duration(of span: TraceSpan) -> String { span.hasTime ? duration(nanos: span.durationNanos) : "no time" }

    /// The offset of `nanos` from the trace's start: `+12.4 ms`.
    public static func offset(_ nanos: UInt64, from start: UInt64) -> String {
        "+" + duration(nanos: nanos >= start ? nanos - start : 0)
    }
}
