/// A trace's spans as a tree (children in the order they started) with its log records placed under the
/// span they were logged in, and the facts the views show: where each span sits on the timeline, its marks,
/// the totals.
public struct TraceTree: Sendable {
    /// A span, its facts, and what happened under it, in time order.
    public struct Node: Sendable {
        /// The span.
        public var span: TraceSpan
        /// What it says of itself (tokens, try, error).
        public var facts: SpanFacts
        /// The spans under it, in the order they started.
        public var children: [Node]
        /// The log records logged in this span, in time order.
        public var logs: [TraceLogRecord]

        /// The error of the first span under this one (depth first) that failed, if any.
        public var firstErrorBelow: String? {
            for child in children {
                if let error = child.facts.error ?? child.firstErrorBelow { return error }
            }
            return nil
        }
    }

    /// One line of a drawing, in the tree's order: a span, or a log record under its span.
    public struct Row: Sendable {
        /// What the line shows.
        public enum Content: Sendable {
            case span(TraceSpan, SpanFacts)
            case log(TraceLogRecord)
        }
        /// What the line shows.
        public var content: Content
        /// How deep it sits (0 for a root).
        public var depth: Int
        /// The tree's drawing before it: `│  ├─ ` (empty for a root).
        public var prefix: String
    }

    /// The roots (spans whose parent is not in the data), in the order they started.
    public let roots: [Node]
    /// The earliest start, in nanoseconds since the Unix epoch, of the spans that have one.
    public let startNanos: UInt64
    /// The latest end.
    public let endNanos: UInt64
    /// How many spans the tree holds (a span given twice is counted once).
    public let spanCount: Int
    /// How many log records it holds (a record given twice is counted once).
    public let logCount: Int
    /// Spans given more than once (the same id), kept once.
    public let duplicateSpans: Int
    /// Spans whose parents formed a cycle: the cycle is cut and the span drawn as a root.
    public let cyclesCut: Int
    /// Spans deeper than ``maxDepth``, drawn at that depth under their ancestor there.
    public let flattened: Int
    /// Spans without a start time (see ``TraceSpan/hasTime``), drawn without a bar.
    public let untimed: Int
    /// Spans whose end came before their start (see ``TraceSpan/endedBeforeStart``), drawn as taking no time.
    public let endedBeforeStart: Int
    /// The names the facts were read under.
    public let conventions: SpanConventions
    /// The deepest a span is drawn (a deeper chain is drawn at this depth, and said).
    public static let maxDepth = 100

    /// Builds the tree. Spans with the same id are kept once (a dump and a spool may both hold one), and so
    /// are log records given twice; log records whose span is not here go under the first root. A parent
    /// cycle is cut (its span becomes a root) and a chain deeper than ``maxDepth`` is drawn at that depth, so
    /// no input can make the tree's walks recurse without bound.
    public init(spans: [TraceSpan], logs: [TraceLogRecord] = [], conventions: SpanConventions = SpanConventions()) {
        var seen = Set<String>()
        let unique = spans.filter { seen.insert($0.spanId).inserted }
        var parentOf: [String: String] = [:]
        for span in unique {
            if let parent = span.parentSpanId, seen.contains(parent), parent != span.spanId { parentOf[span.spanId] = parent }
        }
        // Depths, walking up each chain once (iteratively); a walk that meets itself cuts the cycle there.
        var depthOf: [String: Int] = [:]
        var cut = 0
        for span in unique where depthOf[span.spanId] == nil {
            var path: [String] = []
            var onPath = Set<String>()
            var current = span.spanId
            while depthOf[current] == nil, let parent = parentOf[current] {
                if onPath.contains(current) { break }
                path.append(current)
                onPath.insert(current)
                if onPath.contains(parent) {
                    parentOf[parent] = nil
                    cut += 1
                    current = parent
                    break
                }
                current = parent
            }
            var depth = depthOf[current] ?? 0
            depthOf[current] = depth
            for id in path.reversed() where id != current {
                depth += 1
                depthOf[id] = depth
            }
        }
        // Spans past the deepest level hang under their ancestor at it.
        var anchorOf: [String: String] = [:]
        var flattened = 0
        for span in unique.sorted(by: { depthOf[$0.spanId, default: 0] < depthOf[$1.spanId, default: 0] }) {
            guard let parent = parentOf[span.spanId], let depth = depthOf[span.spanId], depth > Self.maxDepth else { continue }
            anchorOf[span.spanId] = depth == Self.maxDepth + 1 ? parent : anchorOf[parent] ?? parent
            flattened += 1
        }
        var childrenOf: [String: [TraceSpan]] = [:]
        var roots: [TraceSpan] = []
        for span in unique {
            if let parent = anchorOf[span.spanId] ?? parentOf[span.spanId] {
                childrenOf[parent, default: []].append(span)
            } else {
                roots.append(span)
            }
        }
        var logsOf: [String: [TraceLogRecord]] = [:]
        let sortedRoots = roots.sorted(by: Self.startOrder)
        var seenLogs = Set<String>()
        var logCount = 0
        for record in logs.sorted(by: { $0.timeNanos < $1.timeNanos }) {
            // The same line read twice (a dump and the spool of one run) is drawn once.
            let key = "\(record.timeNanos)|\(record.spanId ?? "")|\(record.severityNumber)|\(record.level)|\(record.body)|\(record.attributes.count)"
            guard seenLogs.insert(key).inserted else { continue }
            let owner = record.spanId.flatMap { seen.contains($0) ? $0 : nil } ?? sortedRoots.first?.spanId
            if let owner {
                logsOf[owner, default: []].append(record)
                logCount += 1
            }
        }
        // Depth first; at most maxDepth + 1 levels deep, so the recursion is bounded.
        func node(_ span: TraceSpan) -> Node {
            let children = (childrenOf[span.spanId] ?? []).sorted(by: Self.startOrder).map(node)
            return Node(span: span, facts: conventions.facts(of: span), children: children, logs: logsOf[span.spanId] ?? [])
        }
        self.roots = sortedRoots.map(node)
        self.duplicateSpans = spans.count - unique.count
        self.cyclesCut = cut
        self.flattened = flattened
        self.logCount = logCount
        let timed = unique.filter(\.hasTime)
        self.startNanos = timed.map(\.startNanos).min() ?? 0
        self.endNanos = timed.map(\.endNanos).max() ?? 0
        self.untimed = unique.count - timed.count
        self.endedBeforeStart = timed.filter(\.endedBeforeStart).count
        self.spanCount = unique.count
        self.conventions = conventions
    }

    static func startOrder(_ a: TraceSpan, _ b: TraceSpan) -> Bool {
        (a.startNanos, a.endNanos, a.name, a.spanId) < (b.startNanos, b.endNanos, b.name, b.spanId)
    }

    /// Every span, depth first.
    public var nodes: [Node] {
        var all: [Node] = []
        func visit(_ node: Node) {
            all.append(node)
            node.children.forEach(visit)
        }
        roots.forEach(visit)
        return all
    }

    /// The lines of a drawing: each span, then what happened under it (its child spans and, with `logs`,
    /// its log records) in time order.
    public func rows(logs: Bool) -> [Row] {
        var rows: [Row] = []
        func visit(_ node: Node, depth: Int, lead: String, last: Bool) {
            let prefix = depth == 0 ? "" : lead + (last ? "└─ " : "├─ ")
            rows.append(Row(content: .span(node.span, node.facts), depth: depth, prefix: prefix))
            let childLead = depth == 0 ? "" : lead + (last ? "   " : "│  ")
            enum Item { case span(Node), log(TraceLogRecord) }
            var items: [(UInt64, Item)] = node.children.map { ($0.span.startNanos, .span($0)) }
            if logs { items += node.logs.map { ($0.timeNanos, .log($0)) } }
            // Stable: spans before log records at the same time, each in its own order.
            let ordered = items.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
            for (index, item) in ordered.enumerated() {
                let isLast = index == ordered.count - 1
                switch item {
                case .span(let child): visit(child, depth: depth + 1, lead: childLead, last: isLast)
                case .log(let record):
                    rows.append(Row(content: .log(record), depth: depth + 1, prefix: childLead + (isLast ? "└╴ " : "├╴ ")))
                }
            }
        }
        for root in roots { visit(root, depth: 0, lead: "", last: true) }
        return rows
    }

    /// The totals the views show in their headers.
    public var totals: TraceTotals { TraceTotals(nodes) }
}

/// A trace's totals: spans, failures, retries, revisions, and tokens by model and by step.
public struct TraceTotals: Sendable {
    /// Spans counted.
    public var spans = 0
    /// Spans that failed.
    public var failedSpans = 0
    /// Steps' tries that failed and were tried again.
    public var retries = 0
    /// Step spans run again by a revision loop (execution index above 0).
    public var reruns = 0
    /// Input tokens of model calls.
    public var inputTokens = 0
    /// Output tokens of model calls.
    public var outputTokens = 0
    /// Tokens counted only as totals (no input and output apart).
    public var otherTokens = 0
    /// Tokens by model, most first: input, output, tokens counted only as totals, and the spans that called it.
    public var tokensByModel: [(model: String, input: Int, output: Int, other: Int, calls: Int)] = []
    /// Tokens by step (a step's own total, or its model calls'), in the order the steps first ran.
    public var tokensByStep: [(step: String, tokens: Int)] = []

    /// All tokens.
    public var tokens: Int { inputTokens +| outputTokens +| otherTokens }

    init(_ nodes: [TraceTree.Node]) {
        var models: [String: (input: Int, output: Int, other: Int, calls: Int)] = [:]
        var steps: [(String, Int)] = []
        func add(_ node: TraceTree.Node, step: Int?) {
            let facts = node.facts
            spans += 1
            if facts.error != nil { failedSpans += 1 }
            if facts.retried { retries += 1 }
            if facts.isStep, (facts.executionIndex ?? 0) > 0, facts.attempt == 1 { reruns += 1 }
            var step = step
            if facts.isStep {
                let name = node.span.name
                if let index = steps.firstIndex(where: { $0.0 == name }) { step = index } else {
                    steps.append((name, 0))
                    step = steps.count - 1
                }
            }
            let own = facts.tokens ?? 0
            if facts.inputTokens != nil || facts.outputTokens != nil {
                inputTokens +|= facts.inputTokens ?? 0
                outputTokens +|= facts.outputTokens ?? 0
                let key = facts.model ?? "(no model)"
                models[key, default: (0, 0, 0, 0)].input +|= facts.inputTokens ?? 0
                models[key, default: (0, 0, 0, 0)].output +|= facts.outputTokens ?? 0
                models[key, default: (0, 0, 0, 0)].calls += 1
            } else if let total = facts.totalTokens {
                otherTokens +|= total
                if let model = facts.model {
                    models[model, default: (0, 0, 0, 0)].other +|= total
                    models[model, default: (0, 0, 0, 0)].calls += 1
                }
            }
            if let step, own > 0 { steps[step].1 +|= own }
            for child in node.children { add(child, step: step) }
        }
        // A flat list of nodes: visit the roots only, children through `add`.
        var childIds = Set<String>()
        for node in nodes { for child in node.children { childIds.insert(child.span.spanId) } }
        for node in nodes where !childIds.contains(node.span.spanId) { add(node, step: nil) }
        tokensByModel = models.map { ($0.key, $0.value.input, $0.value.output, $0.value.other, $0.value.calls) }
            .sorted { ($0.input +| $0.output +| $0.other, $1.model) > ($1.input +| $1.output +| $1.other, $0.model) }
        tokensByStep = steps.map { ($0.0, $0.1) }
    }
}
