import Foundation
import TestSupport
import Testing

/// What reaches standard output and the terminal.
@Suite struct OutputCommandTests {
    @Test(arguments: [
        ["run", "--output", "json"],
        ["run", "--preset", "dev", "--log-format", "json"],
        ["run", "--preset", "dev", "--output", "json"],
        ["run", "simple", "--count", "3", "--log-format", "json", "--log-level", "debug"],
    ])
    func whenResultsAreJSONEveryStdoutLineIsJSON(arguments: [String]) throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        // Logs on standard output, as without ECL_LOG_OUTPUT.
        let run = try cli.run(arguments: arguments + ["--db", ":memory:"], environment: ["ECL_LOG_OUTPUT": "stdout"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdoutLines.isEmpty)
        for line in run.stdoutLines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not a JSON object: \(line)")
        }
        #expect(run.stdoutLines.contains { $0.contains(#""workflow_id""#) && $0.contains(#""status":"completed""#) })
        // Text logs and dev's span lines are not lost: they went to standard error.
        if arguments.contains("dev") { #expect(run.stderrLines.contains { $0.hasPrefix("span ") }, "\(run.stderr)") }
        if !arguments.contains("--log-format") { #expect(run.stderr.contains("Workflow execution started")) }
    }

    @Test func aProgressLineOnlyOnATerminalAndASummaryThatNamesEveryFile() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let arguments = ["run", "simple", "--count", "30", "--concurrency", "2", "--log-level", "warn", "--jsonl-out", "spans.jsonl"]
        // Not a terminal: no progress line.
        let piped = try cli.run(arguments: arguments)
        #expect(piped.status == 0)
        #expect(!piped.stderr.contains("done,") && !piped.stderr.contains("\r"), "\(piped.stderr)")
        let lines = piped.stdoutLines
        #expect(lines.contains("30 workflows: 30 completed, 0 failed; 0 retries, 0 revisions, \(30 * 202) tokens"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("Took ") && $0.hasSuffix(" workflows/s).") })
        #expect(lines.contains("Wrote: ecl.db (the store); spans.jsonl (spans, OTLP JSON lines); spans-logs.jsonl (log records, OTLP JSON lines); spans-metrics.jsonl (metrics, OTLP JSON lines)"), "\(lines)")
        // A dump is written, not delivered: no collector took anything.
        #expect(lines.contains { $0.hasPrefix("Spans: ") && $0.hasSuffix(" written, 0 lost.") }, "\(lines)")

        // On a terminal (a pseudo-terminal here), the line is drawn and redrawn, then erased; --quiet draws none.
        func onTerminal(_ extra: [String]) throws -> String {
            var environment = ProcessInfo.processInfo.environment
            environment["ECL_LOG_OUTPUT"] = "stderr"
            return try Subprocess.run(
                "/usr/bin/env",
                ["python3", "-c", "import pty, sys; pty.spawn(sys.argv[1:])", CommandRunner.binary.path] + arguments + extra + ["--db", ":memory:"],
                in: cli.directory, environment: environment).output
        }
        let shown = try onTerminal([])
        #expect(shown.contains("\r\u{1B}[2K") && shown.contains("/30 done, 0 failed, "), "\(shown)")
        #expect(shown.contains("30 workflows: 30 completed"))
        let quiet = try onTerminal(["--quiet"])
        #expect(!quiet.contains("/30 done") && quiet.contains("30 workflows: 30 completed"), "\(quiet)")
    }

    @Test func theSummarySaysWhatTheCollectorGotAndWhatTheLogDatabaseHolds() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let closed = try freeLocalPort()
        // OTEL_EXPORTER_OTLP_ENDPOINT turns export on in the default preset too; nothing listens, so all is spooled.
        let run = try cli.run(
            arguments: ["run", "simple", "--count", "2", "--log-level", "warn", "--log-sql", "sqlite:logs.db", "--db", ":memory:"],
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(closed)"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutLines.contains("Spans: 0 delivered to http://127.0.0.1:\(closed), 20 spooled, 0 lost."), "\(run.stdout)")
        #expect(run.stdoutLines.contains { $0.hasPrefix("Metric data points: 0 delivered to http://127.0.0.1:\(closed), ") && $0.hasSuffix(" spooled, 0 lost.") }, "\(run.stdout)")
        #expect(run.stdoutLines.contains { $0.hasPrefix("Wrote: logs.db (the log database: 0 log lines at warn and above); ecl-otlp-spool/ (2 spool segments, ") }, "\(run.stdout)")
        #expect(!run.stdout.contains("the store"))
    }

    @Test func controlCharactersFromTheTopicAreShownNotSent() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let topic = "evil \u{1B}[31mred\u{07}\nfake line"
        for arguments in [["run", "simple"], ["run", "simple", "--preset", "dev", "--log-level", "debug"], ["run", "simple", "--log-format", "compact"]] {
            let run = try cli.run(arguments: arguments + ["--topic", topic, "--db", ":memory:"], environment: ["ECL_LOG_OUTPUT": "stdout"])
            #expect(run.status == 0, "\(run.stderr)")
            let bytes = Array(run.stdout.utf8)
            #expect(!bytes.contains(0x1B) && !bytes.contains(0x07), "\(arguments)")
            #expect(run.stdout.contains(#"evil \u001b[31mred\u0007\nfake line"#), "\(arguments): \(run.stdout)")
            #expect(!run.stdoutLines.contains { $0.hasPrefix("fake line") })
        }
        // JSON results too: JSONEncoder leaves C1 controls and U+2028 raw; they are escaped, and read back intact.
        let c1 = "top\u{9B}31m\u{2028}ic"
        let json = try cli.run(arguments: ["run", "simple", "--topic", c1, "--output", "json"])
        #expect(json.status == 0)
        #expect(!json.stdout.contains("\u{9B}") && !json.stdout.contains("\u{2028}") && json.stdout.contains(#"top\u009b31m\u2028ic"#), "\(json.stdout)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["workflow_id"] as? String)
        let status = try cli.run("status", id, "--output", "json")
        let input = ((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["workflow"] as? [String: Any])?["input"]
        #expect((input as? [String: Any])?["topic"] as? String == c1)
        // A bad value in an error line too.
        let bad = try cli.run("run", "--llm", "\u{1B}[2Jgpt")
        #expect(bad.status == 2)
        #expect(!bad.stderr.utf8.contains(0x1B))
        #expect(bad.stderr.contains(#"'\u001b[2Jgpt'"#), "\(bad.stderr)")
    }
}

/// Credentials never reach a sink.
@Suite struct CredentialCommandTests {
    @Test func credentialsInTheModelsURLAreHiddenInEverySink() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let closed = try freeLocalPort()
        let key = "sk-ant-KEY-SECRET-1"
        let environment = [
            "ANTHROPIC_API_KEY": key,
            "ANTHROPIC_BASE_URL": "http://user:PW-SECRET-2@127.0.0.1:\(closed)/?token=TOKEN-SECRET-3&page=1",
        ]
        let run = try cli.run(
            arguments: [
                "run", "simple", "--llm", "claude", "--log-level", "debug", "--log-sql", "sqlite:logs.db", "--jsonl-out", "dump.jsonl",
                "--otlp-endpoint", "http://127.0.0.1:\(closed)", "--spool", "spool",
            ],
            environment: environment)
        #expect(run.status == 1, "\(run.stderr)")
        // The failure is told, with the URL's credentials as stars.
        #expect(run.stderr.contains("http://user:***@127.0.0.1:\(closed)/?token=***&page=1"), "\(run.stderr)")
        // Nowhere: not in stdout or stderr, the store, the log database, the dumps or the spool.
        var sinks = ["stdout": run.stdout, "stderr": run.stderr]
        let files = try FileManager.default.subpathsOfDirectory(atPath: cli.directory.path)
        for file in files where !file.hasPrefix(".std") {
            let data = try? Data(contentsOf: cli.directory.appendingPathComponent(file))
            sinks[file] = data.map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        #expect(files.contains("ecl.db") && files.contains("logs.db") && files.contains("dump.jsonl"), "\(files)")
        #expect(files.contains { $0.hasPrefix("spool/traces") }, "\(files)")
        for (name, text) in sinks {
            for secret in ["PW-SECRET-2", "TOKEN-SECRET-3", key] { #expect(!text.contains(secret), "\(secret) in \(name)") }
        }
        #expect(sinks["ecl.db"]?.contains("user:***@127.0.0.1") == true)
    }

    @Test func aModelURLThatIsNotOneIsABadValue() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(
            arguments: ["run", "--llm", "claude"], environment: ["ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "notaurl"])
        #expect(run.status == 2)
        #expect(run.stderrLines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("ANTHROPIC_BASE_URL: 'notaurl'") && run.stderr.contains("http:// or https://"), "\(run.stderr)")
        let hidden = try cli.run(
            arguments: ["run", "--llm", "claude"], environment: ["ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "ftp://u:PW-SECRET@h"])
        #expect(hidden.status == 2)
        #expect(hidden.stderr.contains("'ftp://u:***@h'") && !hidden.stderr.contains("PW-SECRET"), "\(hidden.stderr)")
    }
}
