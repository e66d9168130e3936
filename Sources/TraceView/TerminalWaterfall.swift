import JSONWriting

/// A trace drawn for a terminal: one line a span (and, with `logs`, a log record), the tree on the left,
/// each span's bar placed and scaled on the trace's timeline, its duration, then its marks (failure with the
/// error, retry, revision, tokens). Every line fits `width` columns; colours only when asked for.
public struct TerminalWaterfall: Sendable {
    /// Columns a line may take (at least 40 are used).
    public var width: Int
    /// ANSI colours (for a terminal that shows them).
    public var colors: Bool
    /// Log records drawn under their spans at their times.
    public var logs: Bool

    /// A drawing `width` columns wide.
    public init(width: Int, colors: Bool = false, logs: Bool = false) {
        (self.width, self.colors, self.logs) = (max(width, 40), colors, logs)
    }

    /// The drawing: a header of totals (and tokens by model), a time ruler, then the rows; lines end in `\n`.
    public func render(_ tree: TraceTree, title: String) -> String {
        let rows = tree.rows(logs: logs)
        let total = max(tree.endNanos - tree.startNanos, 1)
        let spanLabels = rows.compactMap { row -> Int? in
            guard case .span(let span, let facts) = row.content else { return nil }
            return DisplayWidth.of(row.prefix + TraceText.label(span, facts))
        }
        // The label column takes what the longest label needs, up to 30% of the line; the bar at least 35%;
        // the marks what the longest needs of the rest, up to 35%; the duration 9 columns.
        let durationWidth = 9
        let labelWidth = min(max(spanLabels.max() ?? 10, 10), width * 30 / 100)
        let longestMarks = rows.map { row -> Int in
            guard case .span(_, let facts) = row.content else { return 0 }
            let marks = TraceText.marks(facts)
            return marks.isEmpty ? 0 : marks.map { DisplayWidth.of($0.text) }.reduce(0, +) + 2 * (marks.count - 1)
        }.max() ?? 0
        let fixed = labelWidth + 1 + 1 + durationWidth
        let marksWidth = longestMarks == 0 ? 0 : max(min(longestMarks, width - fixed - 2 - width * 35 / 100, width * 35 / 100), 0)
        let barWidth = max(width - fixed - (marksWidth > 0 ? marksWidth + 2 : 0), 10)
        var out = ""
        func line(_ text: String) { out += text + "\n" }
        line(fit(VisibleText.escape(title), width))
        line(fit(TraceText.summary(tree), width))
        for model in tree.totals.tokensByModel where tree.totals.tokensByModel.count > 1 || model.model != "(no model)" {
            let tokens = model.input +| model.output > 0
                ? "\(TraceText.count(model.input)) in, \(TraceText.count(model.output)) out tokens" : "\(TraceText.count(model.other)) tokens"
            line(fit("  \(VisibleText.escape(model.model)): \(model.calls) call\(model.calls == 1 ? "" : "s"), \(tokens)", width))
        }
        // The ruler: 0 under the bar's first column, the whole duration under its last.
        let end = TraceText.duration(nanos: total)
        let ruler = "0" + String(repeating: " ", count: max(barWidth - 1 - end.count, 1)) + end
        line(String(repeating: " ", count: labelWidth + 1) + paint(ruler, "2"))
        for row in rows {
            switch row.content {
            case .span(let span, let facts):
                let label = pad(fit(row.prefix + TraceText.label(span, facts), labelWidth), labelWidth)
                let bar = self.bar(span, start: tree.startNanos, total: total, width: barWidth)
                let duration = leftPad(TraceText.duration(of: span), durationWidth)
                let used = labelWidth + 1 + barWidth + 1 + durationWidth
                var text = paint(label, facts.error != nil ? "31" : nil) + " " + paint(bar, color(span, facts)) + " " + duration
                let marks = TraceText.marks(facts)
                if !marks.isEmpty, width - used - 2 > 0 {
                    let room = width - used - 2
                    let joined = fit(marks.map(\.text).joined(separator: "  "), room)
                    text += "  " + paint(joined, facts.error != nil ? "31" : facts.retried ? "33" : "2")
                }
                line(text)
            case .log(let record):
                let label = pad(fit(row.prefix + VisibleText.escape(record.level), labelWidth), labelWidth)
                let rest = TraceText.offset(record.timeNanos, from: tree.startNanos) + "  " + TraceText.logLine(record, conventions: tree.conventions)
                line(paint(label, levelColor(record)) + " " + paint(fit(rest, width - labelWidth - 1), levelColor(record) ?? "2"))
            }
        }
        return out
    }

    /// The span's bar: blocks from its start to its end column (at least one), spaces around it; only spaces
    /// for a span without a start time.
    func bar(_ span: TraceSpan, start: UInt64, total: UInt64, width: Int) -> String {
        guard span.hasTime else { return String(repeating: " ", count: width) }
        let from = Double(span.startNanos &- start) / Double(total) * Double(width)
        let to = Double(span.endNanos &- start) / Double(total) * Double(width)
        let first = min(max(Int(from), 0), width - 1)
        let last = min(max(Int(to.rounded(.up)), first + 1), width)
        let block: Character = span.status == .error ? "▒" : "█"
        return String(repeating: " ", count: first) + String(repeating: block, count: last - first)
            + String(repeating: " ", count: width - last)
    }

    func color(_ span: TraceSpan, _ facts: SpanFacts) -> String {
        if facts.error != nil { return "31" }
        if facts.retried { return "33" }
        if facts.isStep { return "36" }
        if facts.model != nil { return "35" }
        return span.parentSpanId == nil ? "32" : "34"
    }

    func levelColor(_ record: TraceLogRecord) -> String? {
        switch record.severityNumber {
        case 17...: "31"
        case 13...16: "33"
        case 1...8: "2"
        default: nil
        }
    }

    func paint(_ text: String, _ code: String?) -> String {
        guard colors, let code else { return text }
        return "\u{1B}[\(code)m" + text + "\u{1B}[0m"
    }

    /// `text` cut to `width` columns, with `…` where it was cut.
    func fit(_ text: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        guard DisplayWidth.of(text) > width else { return text }
        return DisplayWidth.prefix(text, columns: width - 1) + "…"
    }

    func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(width - DisplayWidth.of(text), 0)) }
    func leftPad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(width - DisplayWidth.of(text), 0)) + text }

    /// A line of the command's own (where the data came from) cut to the width like the drawing's.
    public func fitted(_ text: String) -> String { fit(VisibleText.escape(text), width) }
}
