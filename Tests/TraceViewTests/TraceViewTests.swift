import Foundation
import Testing
@testable import TraceView

/// The trace view on fixed dumps (ids and times fixed): golden terminal drawings at two widths, the JSON
/// tree, every failure and retry mark, and a foreign producer's file.
@Suite struct TraceViewTests {
    static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    static let retriedTrace = "11111111222243338444555555555555"
    static let failedTrace = "66666666777748889999aaaaaaaaaaaa"

    /// The fixture's spans and log records of one trace.
    static func tree(_ name: String, trace: String, logs: Bool = true) throws -> TraceTree {
        let reader = OTLPJSONLReader(traceId: trace)
        var content = try reader.read(path: fixtures.appendingPathComponent("\(name).jsonl").path)
        if logs { content.append(try reader.read(path: fixtures.appendingPathComponent("\(name)-logs.jsonl").path)) }
        return TraceTree(spans: content.spans, logs: content.logs)
    }

    /// Compares `actual` with the golden file; `UPDATE_GOLDEN=1` rewrites it instead (then read the diff).
    static func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: source.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: source, atomically: true, encoding: .utf8)
            return
        }
        let golden = try String(contentsOf: source, encoding: .utf8)
        #expect(actual == golden, "\(name) differs from its golden file (UPDATE_GOLDEN=1 swift test rewrites it)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [80, 132])
    func theRetriedWorkflowDrawsAsItsGoldenAtTwoWidths(width: Int) throws {
        let tree = try Self.tree("retried", trace: Self.retriedTrace)
        let drawing = TerminalWaterfall(width: width).render(tree, title: "workflow critique-revise 11111111-2222-4333-8444-555555555555: completed")
        try Self.expectGolden(drawing, "retried.w\(width).txt")
        for line in drawing.split(separator: "\n") { #expect(line.count <= width, "\(line)") }
    }

    @Test func logLinesAreDrawnUnderTheirSpansAtTheirTimes() throws {
        let tree = try Self.tree("retried", trace: Self.retriedTrace)
        let drawing = TerminalWaterfall(width: 120, logs: true).render(tree, title: "retried")
        try Self.expectGolden(drawing, "retried-logs.w120.txt")
        let lines = drawing.split(separator: "\n").map(String.init)
        // Each "Retrying after failure" line sits under the step try it came from, after that try's model call.
        let retrying = lines.indices.filter { lines[$0].contains("Retrying after failure") }
        #expect(retrying.count == 5)
        for index in retrying {
            let owner = lines[..<index].last { $0.contains("─ step ") }
            #expect(owner?.contains("↻ retried") == true, "\(lines[index]) is under \(owner ?? "nothing")")
        }
    }

    @Test func theFailedWorkflowDrawsAsItsGolden() throws {
        let tree = try Self.tree("failed", trace: Self.failedTrace)
        let drawing = TerminalWaterfall(width: 100).render(tree, title: "failed")
        try Self.expectGolden(drawing, "failed.w100.txt")
        let root = try #require(drawing.split(separator: "\n").first { $0.hasPrefix("workflow critique-revise") })
        #expect(root.contains("✗ still not accepted"))
        let full = TerminalWaterfall(width: 200).render(tree, title: "failed")
        #expect(full.contains("✗ still not accepted after 0 revisions (the maximum)"))
    }

    @Test func everyFailureAndRetryIsMarked() throws {
        let tree = try Self.tree("retried", trace: Self.retriedTrace)
        let lines = TerminalWaterfall(width: 400).render(tree, title: "t").split(separator: "\n")
        // One line a span, in the tree's order, after the header (title, totals, one model, ruler).
        #expect(lines.count == 4 + tree.nodes.count)
        var failed = 0, retried = 0
        for (node, line) in zip(tree.nodes, lines.dropFirst(4)) {
            #expect(line.contains(TraceText.label(node.span, node.facts) + " "), "\(line)")
            if node.span.status == .error {
                failed += 1
                #expect(line.contains("✗ " + (node.span.statusMessage ?? "")), "\(line)")
            }
            if node.span.events.contains(where: { $0.name == "retry" }) {
                retried += 1
                #expect(line.contains("↻ retried"), "\(line)")
            }
            if !(node.span.status == .error || node.span.events.contains { $0.name == "retry" }) {
                #expect(!line.contains("✗") && !line.contains("↻"), "\(line)")
            }
        }
        // The seeded faults: five model calls failed and five step tries were tried again.
        #expect((failed, retried) == (5, 5))
        #expect(tree.totals.retries == 5 && tree.totals.failedSpans == 5)
        #expect(tree.totals.inputTokens == 333 && tree.totals.outputTokens == 122)
        #expect(tree.totals.tokensByStep.map(\.step) == ["step generate", "step critique", "step revise"])
        #expect(tree.totals.tokensByStep.map(\.tokens) == [73, 250, 132])
    }

    @Test func theJSONTreeIsItsGolden() throws {
        let tree = try Self.tree("retried", trace: Self.retriedTrace, logs: false)
        let json = TraceTreeDocument(tree, title: "t", sources: ["retried.jsonl"]).json()
        try Self.expectGolden(json + "\n", "retried.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let roots = try #require(object["roots"] as? [[String: Any]])
        #expect(roots.count == 1 && (roots[0]["children"] as? [Any])?.count == 12)
        #expect(object["spans"] as? Int == 31)
    }

    @Test func aForeignProducersFileIsReadAsTheSpecAllows() throws {
        let path = Self.fixtures.appendingPathComponent("foreign.jsonl").path
        // Read whole, the line that is not JSON is counted; read for one trace, lines without its id are not parsed.
        #expect(try OTLPJSONLReader().read(path: path).unreadableLines == [2])
        #expect(try OTLPJSONLReader().read(path: path).spans.count == 5)
        let content = try OTLPJSONLReader(traceId: "0AF7651916CD43DD8448EB211C80319C").read(path: path)
        // Upper-case hex ids, numbers for 64-bit integers, arrays kept as JSON; other traces and signals passed over.
        #expect(content.spans.map(\.name) == ["GET /cart", "chat gpt-x", "chat gpt-x (again)", "orphan \u{1B}[31mred"])
        #expect(content.unreadableLines.isEmpty)
        let tree = TraceTree(spans: content.spans)
        // The second span with a repeated id is kept once; the span whose parent is missing is a root of its own.
        #expect(tree.spanCount == 3 && tree.roots.map(\.span.name) == ["GET /cart", "orphan \u{1B}[31mred"])
        #expect(tree.totals.tokensByModel.first?.model == "gpt-x" && tree.totals.inputTokens == 1200 && tree.totals.outputTokens == 300)
        #expect(tree.roots[0].span.attribute("tags") == .json(#"{"values":[{"stringValue":"a"},{"boolValue":true}]}"#))
        let drawing = TerminalWaterfall(width: 100).render(tree, title: "checkout")
        // Control characters in names and messages are shown as escapes, never sent to the terminal.
        #expect(!drawing.contains("\u{1B}") && drawing.contains("orphan \\u001b[31mred") && drawing.contains("✗ boom\\nsecond line"))
        #expect(drawing.contains("1,200 in → 300 out tokens"))
    }

    /// A span of trace `t`: `id` under `parent`, from `start` to `end` seconds past a fixed time.
    static func span(_ id: Int, parent: Int?, start: Double = 0, end: Double = 1, attributes: [TraceSpan.Attribute] = [], name: String? = nil) -> TraceSpan {
        let base: UInt64 = 1_800_000_000_000_000_000
        return TraceSpan(
            traceId: String(repeating: "a", count: 32), spanId: String(format: "%016x", id), parentSpanId: parent.map { String(format: "%016x", $0) },
            name: name ?? "s\(id)", startNanos: base + UInt64(start * 1e9), endNanos: base + UInt64(end * 1e9), attributes: attributes)
    }

    @Test func hostileShapesAreDrawnNeverCrash() throws {
        // A chain 5,000 deep: drawn, the part past the deepest level at that level, and said.
        let chain = (0..<5000).map { Self.span($0 + 1, parent: $0 == 0 ? nil : $0) }
        let deep = TraceTree(spans: chain)
        #expect(deep.spanCount == 5000 && deep.flattened == 5000 - TraceTree.maxDepth - 1)
        let drawing = TerminalWaterfall(width: 120).render(deep, title: "deep")
        #expect(drawing.split(separator: "\n").count == 3 + 5000, "title, totals, ruler, a line a span")
        #expect(drawing.contains("spans deeper than \(TraceTree.maxDepth) levels drawn at that depth"))
        _ = TraceTreeDocument(deep, title: "deep", sources: []).json()
        _ = HTMLTracePage().render(deep, title: "deep", sources: [])
        // A parent cycle with no root: cut, both spans drawn.
        let cycle = TraceTree(spans: [Self.span(1, parent: 2), Self.span(2, parent: 1)])
        #expect(cycle.cyclesCut == 1 && cycle.roots.count == 1 && cycle.nodes.count == 2)
        // Token counts past Int.max add up to Int.max instead of trapping; negative ones count as none.
        let huge = TraceTree(spans: [
            Self.span(1, parent: nil, attributes: [.init("gen_ai.usage.input_tokens", .int(.max)), .init("gen_ai.usage.output_tokens", .int(1))]),
            Self.span(2, parent: 1, attributes: [.init("gen_ai.usage.input_tokens", .int(1 << 62)), .init("gen_ai.usage.output_tokens", .int(-5))]),
        ])
        #expect(huge.totals.tokens == Int.max && huge.totals.outputTokens == 1)
        #expect(TerminalWaterfall(width: 100).render(huge, title: "t").contains("9,223,372,036,854,775,807 tokens"))
        _ = HTMLTracePage().render(huge, title: "t", sources: [])
        // The same log line read twice (a dump and the spool) is drawn once.
        let line = TraceLogRecord(timeNanos: 1_800_000_000_500_000_000, level: "info", severityNumber: 9, body: "hello", spanId: String(format: "%016x", 1))
        #expect(TraceTree(spans: [Self.span(1, parent: nil)], logs: [line, line]).logCount == 1)
        // Wide characters take two columns: the lines still fit.
        let wide = TraceTree(spans: [Self.span(1, parent: nil, name: String(repeating: "漢字", count: 40)), Self.span(2, parent: 1, name: "🙂🙂🙂 step")])
        for line in TerminalWaterfall(width: 80).render(wide, title: String(repeating: "界", count: 60)).split(separator: "\n") {
            #expect(DisplayWidth.of(String(line)) <= 80, "\(line)")
        }
    }

    @Test func aSpanWithoutAStartTimeKeepsTheTimelineAndHasNoBar() throws {
        // A producer that left one span's start out (0): the timeline stays the trace's 10 ms, not 56 years.
        var untimed = Self.span(3, parent: 1, name: "no-start")
        (untimed.startNanos, untimed.endNanos) = (0, 0)
        let tree = TraceTree(spans: [Self.span(1, parent: nil, start: 0, end: 0.010), Self.span(2, parent: 1, start: 0.002, end: 0.006), untimed])
        #expect(tree.untimed == 1 && tree.endNanos - tree.startNanos == 10_000_000)
        let lines = TerminalWaterfall(width: 80).render(tree, title: "t").split(separator: "\n").map(String.init)
        #expect(lines[1].contains("10.0 ms") && lines[1].contains("1 span without a start time, drawn without a bar"), "\(lines)")
        let row = try #require(lines.first { $0.contains("no-start") })
        #expect(row.hasSuffix("no time") && !row.contains("█"), "\(row)")
        // The root's bar fills the line's bar column: the scale is the trace's own.
        let root = try #require(lines.first { $0.hasPrefix("s1") })
        #expect(root.filter { $0 == "█" }.count >= 30, "\(root)")
        let page = HTMLTracePage().render(tree, title: "t", sources: [])
        #expect(page.components(separatedBy: "<rect class=\"bar\"").count - 1 == 2, "no bar for the span without a time")
        let json = TraceTreeDocument(tree, title: "t", sources: []).json()
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let child = try #require(((document["roots"] as? [[String: Any]])?.first?["children"] as? [[String: Any]])?.first { $0["name"] as? String == "no-start" })
        #expect(child["startOffsetMs"] == nil && child["durationMs"] == nil)
        #expect(document["durationMs"] as? Double == 10)
    }

    @Test func timesAreUnsignedNanosecondsAndNothingElse() throws {
        // OTLP's times are fixed64: past the year 2262 (where a signed value ends) as strings or numbers; a
        // boolean, a negative number or text is no time.
        func span(_ id: String, _ start: String, _ end: String) -> String {
            #"{"traceId":"aa","spanId":"\#(id)","name":"s\#(id)","startTimeUnixNano":\#(start),"endTimeUnixNano":\#(end)}"#
        }
        let line = #"{"resourceSpans":[{"scopeSpans":[{"spans":["# + [
            span("01", #""10413792000000000000""#, #""10413792000005000000""#),
            span("02", "10413792000001000000", "10413792000002000000"),
            span("03", "true", "true"), span("04", "-5", "7"), span("05", #""soon""#, #""later""#),
            span("06", "1.7e18", "1.7e18"),
        ].joined(separator: ",") + "]}]}]}"
        var content = OTLPJSONLReader.Content()
        OTLPJSONLReader().read(line: Data(line.utf8), into: &content)
        let times = Dictionary(uniqueKeysWithValues: content.spans.map { ($0.name, [$0.startNanos, $0.endNanos]) })
        #expect(times["s01"] == [10_413_792_000_000_000_000, 10_413_792_000_005_000_000])
        #expect(times["s02"] == [10_413_792_000_001_000_000, 10_413_792_000_002_000_000])
        #expect(times["s03"] == [0, 0] && times["s05"] == [0, 0])
        #expect(times["s04"] == [0, 7] && times["s06"] == [1_700_000_000_000_000_000, 1_700_000_000_000_000_000])
        let tree = TraceTree(spans: content.spans.filter { $0.name < "s03" })
        #expect(TraceText.summary(tree).contains("5.00 ms"), "\(TraceText.summary(tree))")
        // An end before the start is taken as no time at all, and said.
        let inverted = TraceTree(spans: [Self.span(1, parent: nil, start: 0, end: 0.004), Self.span(2, parent: 1, start: 0.003, end: 0.001)])
        #expect(inverted.nodes[1].span.durationNanos == 0 && inverted.endedBeforeStart == 1)
        #expect(TraceText.summary(inverted).contains("1 span ends before it starts, drawn as taking no time"), "\(TraceText.summary(inverted))")
    }

    @Test func aPageOfATinyTimelineWithAnUntimedSpanIsDrawn() throws {
        // A timeline of 1 µs and a span without a time: the page is written, with one bar.
        var untimed = Self.span(2, parent: 1)
        (untimed.startNanos, untimed.endNanos) = (0, 0)
        let tree = TraceTree(spans: [Self.span(1, parent: nil, start: 0, end: 0.000001), untimed])
        let page = HTMLTracePage().render(tree, title: "t", sources: [])
        #expect(page.components(separatedBy: "<rect class=\"bar\"").count - 1 == 1)
    }

    @Test func coloursOnlyWhenAsked() throws {
        let tree = try Self.tree("retried", trace: Self.retriedTrace)
        #expect(!TerminalWaterfall(width: 100).render(tree, title: "t").contains("\u{1B}["))
        let coloured = TerminalWaterfall(width: 100, colors: true).render(tree, title: "t")
        #expect(coloured.contains("\u{1B}[31m") && coloured.contains("\u{1B}[0m"))
    }

    @Test func theHTMLPageIsSelfContainedWithOneBarASpan() throws {
        let tree = try Self.tree("retried", trace: Self.retriedTrace)
        let page = HTMLTracePage().render(tree, title: "<script>alert(1)</script>", sources: ["retried.jsonl"])
        #expect(page.components(separatedBy: "<rect class=\"bar\"").count - 1 == 31)
        #expect(!page.contains("<script>alert") && page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        for fetch in ["src=", "http://", "https://", "@import", "url("] where fetch != "http://" {
            #expect(!page.contains(fetch), "the page would fetch something: \(fetch)")
        }
        // The only http:// text is the SVG namespace, which is a name, not a fetch.
        #expect(page.components(separatedBy: "http://").count - 1 == page.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)
    }
}
