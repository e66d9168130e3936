import Foundation
import TestSupport
import Testing

/// `trace` and `report` as a user runs them: after an ordinary run (the store alone), with a dump, with the
/// spool a run left without a collector, as JSON, and as HTML pages loaded in a real browser (Debian's
/// Chromium, headless), with a screenshot kept in `.build/test-output/`.
@Suite struct TraceCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let output = repository.appendingPathComponent(".build/test-output")

    /// The first result line's workflow id of a `--output json` run.
    static func workflowId(_ run: CommandRunner.Outcome) throws -> String {
        for line in run.stdoutLines {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let id = object["workflow_id"] as? String { return id }
        }
        Issue.record("no result line in \(run.stdout)")
        return ""
    }

    /// What headless Chromium saw of a page (Tests/Interop/browser_check.py): errors, requests, the values
    /// of `evaluate`'s expressions, and after focusing `focus`, their values again.
    static func browse(_ page: String, screenshot: String, evaluate: [String: String], focus: String? = nil) throws -> [String: Any] {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        var arguments = [repository.appendingPathComponent("Tests/Interop/browser_check.py").path, page, output.appendingPathComponent(screenshot).path]
        for (name, expression) in evaluate.sorted(by: { $0.key < $1.key }) { arguments += ["--eval", "\(name)=\(expression)"] }
        if let focus { arguments += ["--focus", focus] }
        let result = output.appendingPathComponent(screenshot + ".json").path
        let errors = output.appendingPathComponent(screenshot + ".log").path
        let status = try ChildProcess("python3", arguments, standardOutput: .file(result), standardError: .file(errors), deadline: 180).wait()
        let log = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(status == 0, "browser_check.py failed: \(log)")
        let data = try Data(contentsOf: URL(fileURLWithPath: result))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func afterAnOrdinaryRunTheStoreAloneGivesTheStepWaterfall() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run("run", "--llm-fault-rate", "0.5", "--seed", "3", "--output", "json")
        #expect(run.status == 0, "\(run.stderr)")
        let id = try Self.workflowId(run)
        let trace = try cli.run("trace", id, "--width", "100")
        #expect(trace.status == 0, "\(trace.stderr)")
        let lines = trace.stdoutLines
        #expect(lines.first?.hasPrefix("workflow critique-revise \(id): completed") == true, "\(trace.stdout)")
        let drawing = lines.prefix { !$0.hasPrefix("From ") }
        #expect(drawing.count >= 12 && drawing.allSatisfy { $0.count <= 100 }, "\(trace.stdout)")
        #expect(lines.contains { $0.hasPrefix("├─ step generate #0 ") })
        #expect(lines.contains { $0.contains("step critique #1") && $0.contains("↺ revision loop") })
        // The seeded faults: the tries that failed are marked with their error, and as retried.
        #expect(lines.contains { $0.contains("try 2") }, "\(trace.stdout)")
        #expect(lines.contains { $0.contains("↻ retried  ✗ LLM error") }, "\(trace.stdout)")
        #expect(lines.contains("From ecl.db (the store: the workflow and its steps' tries)."), "\(trace.stdout)")
        #expect(lines.last?.hasPrefix("Every span (model calls, store operations) is in a dump or the spool") == true)
        // No colour codes when standard output is not a terminal.
        #expect(!trace.stdout.contains("\u{1B}["))
    }

    @Test func aDumpGivesEverySpanAndTheLogLines() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run("run", "--jsonl-out", "d.jsonl", "--output", "json", "--llm-fault-rate", "0.5", "--seed", "3")
        let id = try Self.workflowId(run)
        let trace = try cli.run("trace", id, "--from", "d.jsonl", "--logs", "--width", "140")
        #expect(trace.status == 0, "\(trace.stderr)")
        #expect(trace.stdoutLines.contains { $0.contains("─ chat offline-deterministic") && $0.contains("in → ") && $0.contains("out tokens") })
        #expect(trace.stdoutLines.contains { $0.contains("─ INSERT step_executions") })
        #expect(trace.stdoutLines.contains { $0.contains("warn") && $0.contains("Retrying after failure") })
        #expect(trace.stdoutLines.last == "From d.jsonl (31 spans); d-logs.jsonl (25 log records).", "\(trace.stdout)")
        // The JSON tree: one root, the workflow, with its steps' tries, model calls and store operations under it.
        let json = try cli.run("trace", id, "--from", "d.jsonl", "--output", "json")
        let tree = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let roots = try #require(tree["roots"] as? [[String: Any]])
        #expect(roots.count == 1 && roots[0]["name"] as? String == "workflow critique-revise")
        #expect(tree["spans"] as? Int == 31 && tree["retries"] as? Int == 5)
    }

    @Test func theSpoolARunLeftWithoutACollectorIsReadByDefault() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let closed = try freeLocalPort()
        let run = try cli.run(arguments: ["run", "--output", "json"], environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(closed)"])
        let id = try Self.workflowId(run)
        let trace = try cli.run("trace", id, "--width", "400")
        #expect(trace.status == 0, "\(trace.stderr)")
        #expect(trace.stdoutLines.contains { $0.contains("─ chat offline-deterministic") })
        let from = try #require(trace.stdoutLines.last)
        #expect(from.hasPrefix("From ecl-otlp-spool/") && from.contains("ecl-otlp-spool/traces") && from.contains("16 spans"), "\(trace.stdout)")
    }

    @Test func aWorkflowFoundNowhereAndBadInputAreOneLineAndExitTwo() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        _ = try cli.run("run", "simple")
        try FileManager.default.createDirectory(at: cli.directory.appendingPathComponent("ecl-otlp-spool"), withIntermediateDirectories: true)
        let unknown = "123e4567-e89b-42d3-a456-426614174000"
        for (arguments, expected) in [
            (["trace", unknown], "workflow \(unknown) is in none of ecl-otlp-spool/, ecl.db"),
            (["trace", "not-a-uuid"], "'not-a-uuid'"),
            (["trace", unknown, "--width", "12"], "--width: '12'"),
            (["trace", unknown, "--from", "missing.jsonl"], "--from: 'missing.jsonl'"),
            (["trace", unknown, "--db", "missing.db"], "--db: 'missing.db'"),
            (["trace", unknown, "--html", "/nonexistent/x.html"], "--html: '/nonexistent/x.html'"),
            (["trace", unknown, "--from", "/dev/zero"], "--from: '/dev/zero'"),
            (["trace", unknown, "--html", "ecl.db"], "--html: 'ecl.db' is the store (--db)"),
            (["trace", unknown, "--html", "ecl-otlp-spool/page.html"], "is in a spool directory that is read"),
            (["trace", unknown, "--log-sql", "mysql://h/db"], "--log-sql"),
            (["report", "--html", "ecl.db"], "--html: 'ecl.db' is the store (--db)"),
            (["report", "--run", "nope"], "--run: 'nope'"),
            (["report", "--run", unknown], "run \(unknown) has no workflows in ecl.db"),
            (["report", "--last", "0"], "--last: '0'"),
            (["report", "--db", "missing.db"], "--db: 'missing.db'"),
        ] {
            let run = try cli.run(arguments: arguments)
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderrLines.count == 1 && run.stderrLines.first?.contains(expected) == true, "\(arguments): \(run.stderr)")
        }
    }

    @Test func theTracePageRendersInARealBrowser() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run("run", "--jsonl-out", "d.jsonl", "--output", "json", "--llm-fault-rate", "0.5", "--seed", "3")
        let id = try Self.workflowId(run)
        let page = cli.directory.appendingPathComponent("trace.html").path
        let trace = try cli.run("trace", id, "--from", "d.jsonl", "--html", page)
        #expect(trace.status == 0, "\(trace.stderr)")
        let seen = try Self.browse(
            page, screenshot: "trace.png",
            evaluate: [
                "bars": "document.querySelectorAll('svg rect.bar').length",
                "barWidths": "Array.from(document.querySelectorAll('svg rect.bar')).every(r => r.getBoundingClientRect().width > 0)",
                "detail": "document.getElementById('detail').textContent",
                "attempts": "document.querySelectorAll('table.attempts tbody tr').length",
                "logRows": "document.querySelectorAll('.logs tbody tr').length",
                "shownAfterUnticking": "(() => { const box = document.getElementById('lv-info'); box.click(); const shown = Array.from(document.querySelectorAll('.logs tbody tr')).filter(r => r.offsetParent !== null).length; box.click(); return shown; })()",
            ],
            focus: "svg a.row.error")
        #expect(seen["errors"] as? [String] == [], "\(seen)")
        #expect(seen["requests"] as? [String] == [], "the page fetched something: \(seen)")
        // One bar a span, each drawn; the step tries' table; the log lines, and the info ones hidden by their box.
        #expect(seen["bars"] as? Int == 31 && seen["barWidths"] as? Bool == true, "\(seen)")
        #expect(seen["attempts"] as? Int == 9)
        #expect(seen["logRows"] as? Int == 25)
        #expect(seen["shownAfterUnticking"] as? Int == 10, "only the warn lines stay: \(seen)")
        // Focusing a failed model call (Tab) shows its attributes and error in the panel.
        let focused = try #require(seen["after_focus"] as? [String: Any])
        let detail = try #require(focused["detail"] as? String)
        #expect(detail.contains("chat offline-deterministic") && detail.contains("gen_ai.request.model") && detail.contains("LLM error (HTTP 503)"), "\(detail)")
        let shot = try #require(seen["screenshot"] as? [String: Any])
        #expect((shot["drawn_samples"] as? Int ?? 0) > 1000, "the page is blank: \(shot)")
    }

    @Test func aReportOfFiftyRunsRendersInARealBrowser() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run("run", "--count", "50", "--llm-fault-rate", "0.3", "--seed", "7", "--quiet")
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(run.stdoutLines.first { $0.hasPrefix("Run ") })
        let runId = String(line.dropFirst(4).prefix(36))
        let page = cli.directory.appendingPathComponent("report.html").path
        let report = try cli.run("report", "--run", runId, "--html", page, "--output", "json")
        #expect(report.status == 0, "\(report.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        #expect(figures["workflows"] as? Int == 50)
        #expect((figures["states"] as? [String: Int])?["completed"] == 50)
        let steps = try #require(figures["steps"] as? [[String: Any]])
        #expect(steps.map { $0["name"] as? String } == ["step generate", "step critique", "step revise"])
        let seen = try Self.browse(
            page, screenshot: "report.png",
            evaluate: [
                "charts": "document.querySelectorAll('svg.chart-svg').length",
                "runs": "document.querySelectorAll('table.runs tbody tr').length",
            ])
        #expect(seen["errors"] as? [String] == [], "\(seen)")
        #expect(seen["requests"] as? [String] == [], "\(seen)")
        #expect(seen["charts"] as? Int == 4 && seen["runs"] as? Int == 50, "\(seen)")
    }
}
