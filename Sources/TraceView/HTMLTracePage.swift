/// A trace as one self-contained HTML page: the waterfall as SVG (one bar a span; hovering a bar or focusing
/// it with Tab shows its attributes, events and logs), the table of step tries with their errors, tokens by
/// step and by model, and the log lines, filterable by level.
public struct HTMLTracePage: Sendable {
    /// The SVG's width in pixels.
    public var width = 1200

    /// A page of the default width.
    public init() {}

    /// The page of `tree`, titled `title`, naming where its data came from.
    public func render(_ tree: TraceTree, title: String, sources: [String]) -> String {
        var body = "<header><h1>\(HTMLText.escape(title))</h1>\n"
        body += "<p class=\"summary\">\(HTMLText.escape(TraceText.summary(tree)))</p>\n"
        if !sources.isEmpty { body += "<p class=\"sources\">From \(sources.map(HTMLText.escape).joined(separator: "; "))</p>\n" }
        body += "</header>\n"
        body += "<section><h2>Waterfall</h2>\n" + waterfall(tree) + "</section>\n"
        body += steps(tree)
        body += tokens(tree)
        body += logs(tree)
        return HTMLPage.document(title: title, body: body, script: Self.script)
    }

    /// The SVG: a ruler, then one row a span (label indented by depth, bar on the timeline, duration, marks),
    /// and each span's details in a hidden section the script (or the link's target) shows.
    func waterfall(_ tree: TraceTree) -> String {
        let rows = tree.rows(logs: false)
        let rowHeight = 22, top = 26, labelWidth = 380, durationWidth = 80
        let barLeft = labelWidth, barWidth = width - labelWidth - durationWidth - 150
        let height = top + rows.count * rowHeight + 8
        let total = Double(max(tree.endNanos - tree.startNanos, 1))
        var svg = "<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"Waterfall of \(tree.spanCount) spans\">\n"
        for tick in 0...4 {
            let x = barLeft + barWidth * tick / 4
            let label = tick == 0 ? "0" : TraceText.duration(nanos: UInt64(total * Double(tick) / 4))
            svg += "<line class=\"tick\" x1=\"\(x)\" y1=\"\(top - 6)\" x2=\"\(x)\" y2=\"\(height - 4)\"/>"
            svg += "<text class=\"ticklabel\" x=\"\(x)\" y=\"14\" text-anchor=\"\(tick == 0 ? "start" : tick == 4 ? "end" : "middle")\">\(label)</text>\n"
        }
        var details = "<div class=\"spans\">\n"
        for (index, row) in rows.enumerated() {
            guard case .span(let span, let facts) = row.content else { continue }
            let y = top + index * rowHeight
            let marks = TraceText.marks(facts)
            let kind = facts.error != nil ? "error" : facts.retried ? "retried" : facts.isStep ? "step" : facts.model != nil ? "model"
                : span.attribute("db.system.name") != nil || span.attribute("db.system") != nil ? "db" : "other"
            let indent = 6 + row.depth * 14
            let label = TraceText.label(span, facts)
            let room = max((labelWidth - indent - 8) / 7, 4)
            let shown = label.count > room ? String(label.prefix(room - 1)) + "…" : label
            let id = "span-\(index)"
            svg += "<a href=\"#\(id)\" class=\"row \(kind)\" data-detail=\"\(id)\" aria-label=\"\(HTMLText.escape(label + ", " + TraceText.duration(of: span) + marks.map { ", " + $0.text }.joined()))\">"
            svg += "<title>\(HTMLText.escape(tooltip(span, facts, marks)))</title>"
            svg += "<rect class=\"back\" x=\"0\" y=\"\(y)\" width=\"\(width)\" height=\"\(rowHeight)\"/>"
            svg += "<text class=\"label\" x=\"\(indent)\" y=\"\(y + 15)\">\(HTMLText.escape(shown))</text>"
            if span.hasTime {
                // Fractions of the line (the span lies within the timeline, so each is 0...1), then columns.
                let x = barLeft + Int(Double(span.startNanos - tree.startNanos) / total * Double(barWidth))
                let w = max(Int((Double(span.durationNanos) / total * Double(barWidth)).rounded()), 2)
                svg += "<rect class=\"bar\" x=\"\(min(x, barLeft + barWidth - 2))\" y=\"\(y + 5)\" width=\"\(w)\" height=\"\(rowHeight - 10)\" rx=\"2\"/>"
            }
            svg += "<text class=\"dur\" x=\"\(barLeft + barWidth + durationWidth - 6)\" y=\"\(y + 15)\" text-anchor=\"end\">\(TraceText.duration(of: span))</text>"
            if let first = marks.first(where: { $0.kind == .failed }) ?? marks.first {
                let text = first.text.count > 22 ? String(first.text.prefix(21)) + "…" : first.text
                svg += "<text class=\"mark \(first.kind.rawValue)\" x=\"\(barLeft + barWidth + durationWidth + 4)\" y=\"\(y + 15)\">\(HTMLText.escape(text))</text>"
            }
            svg += "</a>\n"
            details += detail(id: id, span: span, facts: facts, marks: marks, tree: tree)
        }
        svg += "</svg></div>\n"
        svg += "<div id=\"detail\" class=\"detail\" aria-live=\"polite\"><span class=\"empty\">Hover over a span, or focus one with Tab, to see its attributes.</span></div>\n"
        return svg + details + "</div>\n"
    }

    func tooltip(_ span: TraceSpan, _ facts: SpanFacts, _ marks: [TraceText.Mark]) -> String {
        var lines = ["\(TraceText.label(span, facts)) — \(TraceText.duration(of: span))"]
        lines += marks.map(\.text)
        lines += span.attributes.map { "\($0.key) = \($0.value)" }
        return lines.joined(separator: "\n")
    }

    func detail(id: String, span: TraceSpan, facts: SpanFacts, marks: [TraceText.Mark], tree: TraceTree) -> String {
        var html = "<section id=\"\(id)\"><b>\(HTMLText.escape(TraceText.label(span, facts)))</b> · \(TraceText.duration(of: span))\(span.hasTime ? " · starts " + TraceText.offset(span.startNanos, from: tree.startNanos) : "")"
        for mark in marks { html += " · \(HTMLText.escape(mark.text))" }
        html += "<dl><dt>span id</dt><dd>\(HTMLText.escape(span.spanId))</dd><dt>status</dt><dd>\(span.status.rawValue)\(span.statusMessage.map { ": " + HTMLText.escape($0) } ?? "")</dd>"
        for attribute in span.attributes {
            html += "<dt>\(HTMLText.escape(attribute.key))</dt><dd>\(HTMLText.escape(attribute.value.description))</dd>"
        }
        for event in span.events {
            let fields = event.attributes.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            html += "<dt>event \(HTMLText.escape(event.name))</dt><dd>\(TraceText.offset(event.timeNanos, from: tree.startNanos)) \(HTMLText.escape(fields))</dd>"
        }
        return html + "</dl></section>\n"
    }

    /// The steps' tries: which, when, how long, how it ended, the error, the tokens.
    func steps(_ tree: TraceTree) -> String {
        let steps = tree.nodes.filter(\.facts.isStep)
        guard !steps.isEmpty else { return "" }
        var html = "<section><h2>Step attempts</h2>\n<table class=\"attempts\"><thead><tr><th>Step</th><th class=\"num\">Execution</th><th class=\"num\">Try</th><th class=\"num\">Starts</th><th class=\"num\">Duration</th><th>Outcome</th><th class=\"num\">Tokens</th><th>Error</th></tr></thead><tbody>\n"
        for node in steps {
            let facts = node.facts
            let tokens = TraceTotals([node]).tokens
            // A try's error is its own, else that of the call under it that failed (a model call's 503).
            let error = facts.error ?? node.firstErrorBelow
            let outcome = facts.retried ? "failed, tried again" : facts.error != nil ? "failed" : "ok"
            html += "<tr class=\"\(facts.error != nil ? "failed" : "ok")\"><td>\(HTMLText.escape(node.span.name))</td><td class=\"num\">\(facts.executionIndex.map(String.init) ?? "")</td><td class=\"num\">\(facts.attempt.map(String.init) ?? "")</td>"
            html += "<td class=\"num\">\(node.span.hasTime ? TraceText.offset(node.span.startNanos, from: tree.startNanos) : "")</td><td class=\"num\">\(TraceText.duration(of: node.span))</td>"
            html += "<td>\(outcome)</td><td class=\"num\">\(tokens > 0 ? TraceText.count(tokens) : "")</td><td>\(HTMLText.escape(error ?? ""))</td></tr>\n"
        }
        return html + "</tbody></table></section>\n"
    }

    /// Tokens by step and by model, each with a bar scaled to the largest.
    func tokens(_ tree: TraceTree) -> String {
        let totals = tree.totals
        guard totals.tokens > 0 else { return "" }
        var html = "<section><h2>Tokens</h2>\n"
        let steps = totals.tokensByStep.filter { $0.tokens > 0 }
        if !steps.isEmpty {
            let most = steps.map(\.tokens).max() ?? 1
            html += "<table class=\"tokens-by-step\"><thead><tr><th>Step</th><th class=\"num\">Tokens</th><th></th></tr></thead><tbody>\n"
            for step in steps {
                html += "<tr><td>\(HTMLText.escape(step.step))</td><td class=\"num\">\(TraceText.count(step.tokens))</td><td><span class=\"meter\" style=\"width:\(max(Int(Double(step.tokens) / Double(most) * 240), 1))px\"></span></td></tr>\n"
            }
            html += "</tbody></table>\n"
        }
        if !totals.tokensByModel.isEmpty {
            html += "<h3>By model</h3><table class=\"tokens-by-model\"><thead><tr><th>Model</th><th class=\"num\">Calls</th><th class=\"num\">Input</th><th class=\"num\">Output</th><th class=\"num\">Total</th></tr></thead><tbody>\n"
            for model in totals.tokensByModel {
                html += "<tr><td>\(HTMLText.escape(model.model))</td><td class=\"num\">\(model.calls)</td><td class=\"num\">\(TraceText.count(model.input))</td><td class=\"num\">\(TraceText.count(model.output))</td><td class=\"num\">\(TraceText.count(model.input +| model.output +| model.other))</td></tr>\n"
            }
            html += "</tbody></table>\n"
        }
        return html + "</section>\n"
    }

    /// The log lines in time order, with a checkbox a level range that hides or shows them (CSS only).
    func logs(_ tree: TraceTree) -> String {
        let records = tree.nodes.flatMap { node in node.logs.map { (node.span, $0) } }.sorted { $0.1.timeNanos < $1.1.timeNanos }
        guard !records.isEmpty else { return "" }
        var counts: [String: Int] = [:]
        for (_, record) in records { counts[HTMLPage.levelClass(record), default: 0] += 1 }
        var html = "<section class=\"logs\"><h2>Log lines</h2>\n<div class=\"levels\">Show:\n"
        var inputs = ""
        for level in HTMLPage.levelClasses where counts[level] != nil {
            inputs += "<input type=\"checkbox\" id=\"lv-\(level)\" checked><label for=\"lv-\(level)\">\(level) (\(counts[level]!))</label>\n"
        }
        html += "</div>\n" + inputs
        html += "<table><thead><tr><th class=\"num\">At</th><th>Level</th><th>Span</th><th>Message</th></tr></thead><tbody>\n"
        for (span, record) in records {
            html += "<tr class=\"lv-\(HTMLPage.levelClass(record))\"><td class=\"num\">\(TraceText.offset(record.timeNanos, from: tree.startNanos))</td><td>\(HTMLText.escape(record.level))</td>"
            html += "<td>\(HTMLText.escape(span.name))</td><td>\(HTMLText.escape(TraceText.logLine(record, conventions: tree.conventions)))</td></tr>\n"
        }
        return html + "</tbody></table></section>\n"
    }

    /// Hover or focus on a row shows its details in the panel under the chart.
    static let script = """
        (function () {
          var panel = document.getElementById("detail");
          function show(row) {
            var source = document.getElementById(row.getAttribute("data-detail"));
            if (source && panel) { panel.innerHTML = source.innerHTML; }
          }
          document.querySelectorAll("svg .row").forEach(function (row) {
            row.addEventListener("mouseenter", function () { show(row); });
            row.addEventListener("focus", function () { show(row); });
            row.addEventListener("click", function (event) { event.preventDefault(); show(row); });
          });
        })();
        """
}
