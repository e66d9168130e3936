import Foundation

/// Many traces (one a workflow run) as one self-contained HTML page: how many passed, the throughput over time,
/// the p50 and p95 duration of each step, its retries and failures, tokens by model, and a table of the runs.
public struct HTMLRunsReport: Sendable {
    /// A report page.
    public init() {}

    /// What the report counts of one step name across the runs.
    public struct StepFigures: Sendable, Equatable {
        /// The step span's name, such as `step generate`.
        public var name: String
        /// Tries of it across the runs.
        public var tries = 0
        /// Tries that failed and were tried again.
        public var retried = 0
        /// Tries that failed (retried or not).
        public var failed = 0
        /// The median try's duration.
        public var p50Nanos: UInt64 = 0
        /// The 95th percentile try's duration (nearest rank).
        public var p95Nanos: UInt64 = 0
    }

    /// The figures of `traces`: steps in the order they first ran.
    public static func steps(_ traces: [TraceTree]) -> [StepFigures] {
        var order: [String] = []
        var durations: [String: [UInt64]] = [:]
        var figures: [String: StepFigures] = [:]
        for node in traces.flatMap(\.nodes) where node.facts.isStep {
            let name = node.span.name
            if figures[name] == nil {
                order.append(name)
                figures[name] = StepFigures(name: name)
            }
            figures[name]!.tries += 1
            if node.facts.retried { figures[name]!.retried += 1 }
            if node.facts.error != nil || node.facts.retried { figures[name]!.failed += 1 }
            if node.span.hasTime { durations[name, default: []].append(node.span.durationNanos) }
        }
        return order.map { name in
            var figure = figures[name]!
            let sorted = (durations[name] ?? []).sorted()
            figure.p50Nanos = percentile(sorted, 0.50)
            figure.p95Nanos = percentile(sorted, 0.95)
            return figure
        }
    }

    /// What the report says of many runs: outcomes, the window they ran in, throughput, tokens by model.
    public struct Figures: Sendable {
        /// Runs by outcome (`completed`, `failed`, `cancelled`, `running`).
        public var states: [String: Int] = [:]
        /// From the first run's start to the last one's end.
        public var windowNanos: UInt64 = 0
        /// Runs a second over the window.
        public var throughput: Double = 0
        /// Tokens by model, most first.
        public var tokensByModel: [(model: String, tokens: Int)] = []

        /// The figures of `traces` (one a run).
        public init(_ traces: [TraceTree]) {
            let runs = traces.filter { !$0.roots.isEmpty }
            let start = runs.map(\.startNanos).min() ?? 0
            windowNanos = (runs.map(\.endNanos).max() ?? 0) &- start
            throughput = windowNanos > 0 ? Double(runs.count) / (Double(windowNanos) / 1e9) : 0
            for run in runs { states[HTMLRunsReport.state(run), default: 0] += 1 }
            var models: [String: Int] = [:]
            for run in runs { for model in run.totals.tokensByModel { models[model.model, default: 0] +|= model.input +| model.output +| model.other } }
            tokensByModel = models.map { ($0.key, $0.value) }.sorted { ($0.tokens, $1.model) > ($1.tokens, $0.model) }
        }
    }

    /// The most runs listed in the page's table (the newest; the charts count them all).
    public static let maxListedRuns = 1000

    /// The nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [UInt64], _ fraction: Double) -> UInt64 {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// A run's outcome: its root's `ecl.workflow.state`, else `failed` for an error status, else `completed`.
    public static func state(_ tree: TraceTree) -> String {
        guard let root = tree.roots.first else { return "empty" }
        if let state = root.span.attribute("ecl.workflow.state")?.description { return state }
        return root.span.status == .error ? "failed" : "completed"
    }

    /// The page.
    public func render(_ traces: [TraceTree], title: String, sources: [String]) -> String {
        let runs = traces.filter { !$0.roots.isEmpty }
        let start = runs.map(\.startNanos).min() ?? 0
        let end = runs.map(\.endNanos).max() ?? 0
        let figures = Figures(runs)
        let states = figures.states
        let throughput = figures.throughput
        let tokens = runs.reduce(0) { $0 +| $1.totals.tokens }
        let retries = runs.reduce(0) { $0 + $1.totals.retries }

        var body = "<header><h1>\(HTMLText.escape(title))</h1>\n"
        if !sources.isEmpty { body += "<p class=\"sources\">From \(sources.map(HTMLText.escape).joined(separator: "; "))</p>\n" }
        body += "</header>\n<div class=\"cards\">"
        let cards: [(String, String)] = [
            ("runs", TraceText.count(runs.count)),
        ] + ["completed", "failed", "cancelled", "running"].compactMap { state in states[state].map { (state, TraceText.count($0)) } } + [
            ("workflows/s", String(format: "%.1f", throughput)),
            ("over", TraceText.duration(nanos: end &- start)),
            ("retries", TraceText.count(retries)),
            ("tokens", TraceText.count(tokens)),
        ]
        for (name, value) in cards { body += "<div class=\"card\"><b>\(HTMLText.escape(value))</b>\(HTMLText.escape(name))</div>" }
        body += "</div>\n"

        // Throughput: runs ended in each twentieth of the window.
        if runs.count > 1, end > start {
            var counts = [Int](repeating: 0, count: 20)
            for run in runs {
                let slice = Int(Double(run.endNanos &- start) / Double(end - start) * 20)
                counts[min(max(slice, 0), 19)] += 1
            }
            body += "<section><h2>Throughput</h2><p>Runs ended in each twentieth of the \(TraceText.duration(nanos: end - start)) window (\(String(format: "%.1f", throughput)) workflows/s overall).</p>\n"
            body += HTMLCharts.columns(counts, start: "0", end: TraceText.duration(nanos: end - start), label: "Runs ended over time") + "</section>\n"
        }

        let steps = Self.steps(runs)
        if !steps.isEmpty {
            body += "<section><h2>Step durations</h2><p>p50 (dark) and p95 (light) of every try.</p>\n"
            body += HTMLCharts.bars(steps.map { step in
                (step.name, [
                    HTMLCharts.Bar(value: Double(step.p50Nanos), cssClass: "", text: "p50 " + TraceText.duration(nanos: step.p50Nanos)),
                    HTMLCharts.Bar(value: Double(step.p95Nanos), cssClass: "p95", text: "p95 " + TraceText.duration(nanos: step.p95Nanos)),
                ])
            }, label: "Step durations, p50 and p95") + "</section>\n"
            body += "<section><h2>Retries and failures by step</h2>\n"
            body += HTMLCharts.bars(steps.map { step in
                (step.name, [
                    HTMLCharts.Bar(value: Double(step.retried), cssClass: "", text: "\(step.retried) retried of \(step.tries) tries"),
                    HTMLCharts.Bar(value: Double(step.failed), cssClass: "fail", text: "\(step.failed) failed"),
                ])
            }, label: "Retries and failures by step")
            body += "<table class=\"steps\"><thead><tr><th>Step</th><th class=\"num\">Tries</th><th class=\"num\">Retried</th><th class=\"num\">Failed</th><th class=\"num\">p50</th><th class=\"num\">p95</th></tr></thead><tbody>\n"
            for step in steps {
                body += "<tr><td>\(HTMLText.escape(step.name))</td><td class=\"num\">\(step.tries)</td><td class=\"num\">\(step.retried)</td><td class=\"num\">\(step.failed)</td><td class=\"num\">\(TraceText.duration(nanos: step.p50Nanos))</td><td class=\"num\">\(TraceText.duration(nanos: step.p95Nanos))</td></tr>\n"
            }
            body += "</tbody></table></section>\n"
        }

        if !figures.tokensByModel.isEmpty {
            body += "<section><h2>Tokens by model</h2>\n"
            body += HTMLCharts.bars(figures.tokensByModel.map { ($0.model, [HTMLCharts.Bar(value: Double($0.tokens), cssClass: "", text: TraceText.count($0.tokens) + " tokens")]) }, label: "Tokens by model")
            body += "</section>\n"
        }

        let listed = runs.sorted(by: { $0.startNanos < $1.startNanos }).suffix(Self.maxListedRuns)
        body += "<section><h2>Runs</h2>"
        if listed.count < runs.count { body += "<p>The newest \(listed.count) of \(runs.count) runs (the charts count them all).</p>" }
        body += "<table class=\"runs\"><thead><tr><th>Workflow</th><th>Name</th><th>State</th><th class=\"num\">Starts</th><th class=\"num\">Duration</th><th class=\"num\">Retries</th><th class=\"num\">Tokens</th><th>Error</th></tr></thead><tbody>\n"
        for run in listed {
            let root = run.roots[0]
            let id = root.span.attribute("ecl.workflow.id")?.description ?? root.span.traceId
            let state = Self.state(run)
            body += "<tr class=\"\(state == "completed" ? "ok" : "failed")\"><td>\(HTMLText.escape(id))</td><td>\(HTMLText.escape(root.span.name))</td><td>\(HTMLText.escape(state))</td>"
            body += "<td class=\"num\">\(TraceText.offset(run.startNanos, from: start))</td><td class=\"num\">\(TraceText.duration(nanos: run.endNanos - run.startNanos))</td>"
            body += "<td class=\"num\">\(run.totals.retries)</td><td class=\"num\">\(TraceText.count(run.totals.tokens))</td><td>\(HTMLText.escape(root.facts.error ?? ""))</td></tr>\n"
        }
        body += "</tbody></table></section>\n"
        return HTMLPage.document(title: title, body: body)
    }
}
