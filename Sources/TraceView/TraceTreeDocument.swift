import Foundation

/// A trace's tree as JSON (`--output json`, written by ``json()``; the fields are the JSON's): each span with
/// its place on the timeline (milliseconds from the trace's start), status, error, try, execution, tokens,
/// attributes, events, log records and children.
public struct TraceTreeDocument: Encodable, Sendable {
    let title: String
    let sources: [String]
    let traceId: String?
    /// The first span's start, RFC 3339 UTC with milliseconds.
    let startTime: String
    let durationMs: Double
    let spans: Int
    let failedSpans: Int
    let retries: Int
    let tokens: Tokens
    let tokensByModel: [ModelTokens]
    let roots: [Span]

    /// Tokens: input and output apart, and totals counted only as such.
    public struct Tokens: Encodable, Sendable {
        let input: Int
        let output: Int
        let other: Int
        let total: Int
    }

    /// One model's tokens and calls.
    public struct ModelTokens: Encodable, Sendable {
        let model: String
        let calls: Int
        let input: Int
        let output: Int
        /// Tokens counted only as totals (from a store that keeps a try's sum).
        let other: Int
    }

    /// A span and what happened under it.
    public struct Span: Encodable, Sendable {
        let name: String
        let spanId: String
        let parentSpanId: String?
        /// Left out for a span without a start time.
        let startOffsetMs: Double?
        let durationMs: Double?
        let status: TraceSpan.Status
        let error: String?
        let attempt: Int?
        let executionIndex: Int?
        let retried: Bool
        let model: String?
        let inputTokens: Int?
        let outputTokens: Int?
        let totalTokens: Int?
        let marks: [TraceText.Mark.Kind]
        let attributes: [String: TraceValue]
        let events: [Event]
        let logs: [Log]
        let children: [Span]
    }

    /// A span's event.
    public struct Event: Encodable, Sendable {
        let name: String
        let offsetMs: Double
        let attributes: [String: TraceValue]
    }

    /// A log record under its span.
    public struct Log: Encodable, Sendable {
        let offsetMs: Double
        let level: String
        let severityNumber: Int
        let body: String
        let attributes: [String: TraceValue]
    }

    /// The document of `tree`; with `logs` false, its spans' log records are left out.
    public init(_ tree: TraceTree, title: String, sources: [String], logs: Bool = true) {
        let start = tree.startNanos
        func ms(_ nanos: UInt64) -> Double { (Double(nanos) / 1000).rounded() / 1000 }
        func offset(_ nanos: UInt64) -> Double { ms(nanos >= start ? nanos - start : 0) }
        func map(_ attributes: [TraceSpan.Attribute]) -> [String: TraceValue] {
            Dictionary(attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        }
        func span(_ node: TraceTree.Node) -> Span {
            let facts = node.facts
            return Span(
                name: node.span.name, spanId: node.span.spanId, parentSpanId: node.span.parentSpanId,
                startOffsetMs: node.span.hasTime ? offset(node.span.startNanos) : nil,
                durationMs: node.span.hasTime ? ms(node.span.durationNanos) : nil, status: node.span.status,
                error: facts.error, attempt: facts.attempt, executionIndex: facts.executionIndex, retried: facts.retried, model: facts.model,
                inputTokens: facts.inputTokens, outputTokens: facts.outputTokens, totalTokens: facts.totalTokens,
                marks: TraceText.marks(facts).map(\.kind), attributes: map(node.span.attributes),
                events: node.span.events.map { Event(name: $0.name, offsetMs: offset($0.timeNanos), attributes: map($0.attributes)) },
                logs: (logs ? node.logs : []).map {
                    Log(offsetMs: offset($0.timeNanos), level: $0.level, severityNumber: $0.severityNumber, body: $0.body, attributes: map($0.attributes))
                },
                children: node.children.map(span))
        }
        let totals = tree.totals
        self.title = title
        self.sources = sources
        self.traceId = tree.roots.first?.span.traceId
        self.startTime = Date(timeIntervalSince1970: Double(start / 1000) / 1e6)
            .formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
        self.durationMs = ms(tree.endNanos - tree.startNanos)
        self.spans = totals.spans
        self.failedSpans = totals.failedSpans
        self.retries = totals.retries
        self.tokens = Tokens(input: totals.inputTokens, output: totals.outputTokens, other: totals.otherTokens, total: totals.tokens)
        self.tokensByModel = totals.tokensByModel.map { ModelTokens(model: $0.model, calls: $0.calls, input: $0.input, output: $0.output, other: $0.other) }
        self.roots = tree.roots.map(span)
    }

    /// The document as pretty JSON with sorted keys (the same bytes for the same trace).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

extension TraceValue: Encodable {
    /// Strings, numbers and booleans as themselves; arrays and maps as their JSON text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text), .json(let text): try container.encode(text)
        case .int(let value): try container.encode(value)
        case .double(let value) where value.isFinite: try container.encode(value)
        case .double(let value): try container.encode(String(value))
        case .bool(let value): try container.encode(value)
        }
    }
}
