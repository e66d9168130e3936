import Foundation
import Glibc
import TestSupport
import Testing

/// The engine's metrics as a run exports them: to an OTLP JSONL dump (checked against the official schema),
/// to a real collector, and (see the Prometheus tests) to a Pushgateway that Prometheus scrapes.
@Suite struct MetricsCommandTests {
    /// The run's summary object (`--output json`).
    static func summary(_ run: CommandRunner.Outcome) throws -> [String: Any] {
        for line in run.stdoutLines {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let summary = object["summary"] as? [String: Any] {
                return summary
            }
        }
        Issue.record("no summary line in \(run.stdout)")
        throw CancellationError()
    }

    /// One metric stream of an OTLP `MetricsData` document: its attributes, and its value (a sum or gauge's,
    /// or a histogram's count and sum).
    struct Stream {
        var attributes: [String: String]
        var value: Double
        var count: Int?
    }

    /// The streams of the last document of an OTLP metrics JSONL file (the run's final, cumulative read), by name.
    static func lastRead(_ path: String) throws -> [String: [Stream]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").last)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        var streams: [String: [Stream]] = [:]
        for resource in document["resourceMetrics"] as? [[String: Any]] ?? [] {
            for scope in resource["scopeMetrics"] as? [[String: Any]] ?? [] {
                for metric in scope["metrics"] as? [[String: Any]] ?? [] {
                    let name = metric["name"] as? String ?? ""
                    let data = (metric["sum"] ?? metric["histogram"] ?? metric["gauge"]) as? [String: Any] ?? [:]
                    for point in data["dataPoints"] as? [[String: Any]] ?? [] {
                        var attributes: [String: String] = [:]
                        for attribute in point["attributes"] as? [[String: Any]] ?? [] {
                            attributes[attribute["key"] as? String ?? ""] = (attribute["value"] as? [String: Any])?["stringValue"] as? String
                        }
                        let value = (point["asInt"] as? String).flatMap(Double.init) ?? point["asDouble"] as? Double ?? point["sum"] as? Double ?? 0
                        streams[name, default: []].append(Stream(attributes: attributes, value: value, count: (point["count"] as? String).flatMap { Int($0) }))
                    }
                }
            }
        }
        return streams
    }

    static func total(_ streams: [String: [Stream]], _ name: String, where match: [String: String] = [:]) -> Double {
        (streams[name] ?? []).filter { stream in match.allSatisfy { stream.attributes[$0.key] == $0.value } }.reduce(0) { $0 + $1.value }
    }

    /// Runs `arguments` with a metrics dump; the summary and the dump's last (cumulative) read, validated.
    func runWithDump(_ cli: CommandRunner, _ arguments: [String]) throws -> (summary: [String: Any], streams: [String: [Stream]], run: CommandRunner.Outcome) {
        let dump = cli.directory.appendingPathComponent("spans.jsonl").path
        let metricsPath = cli.directory.appendingPathComponent("spans-metrics.jsonl").path
        try? FileManager.default.removeItem(atPath: metricsPath)
        let run = try cli.run(arguments: arguments + ["--jsonl-out", dump, "--output", "json", "--db", ":memory:"])
        let valid = try OTLPSchemaValidator.run([metricsPath])
        #expect(valid.status == 0, "\(valid.output)")
        return (try Self.summary(run), try Self.lastRead(metricsPath), run)
    }

    @Test func twentyWorkflowsWithFaultsGiveExactlyTheSummarysCounts() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let workflow = ["ecl.workflow.name": "critique-revise"]

        // Transient model faults: every workflow completes, after retries.
        let (summary, streams, run) = try runWithDump(cli, [
            "run", "critique-revise", "--count", "20", "--concurrency", "4", "--llm-fault-rate", "0.3", "--seed", "5",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(summary["completed"] as? Int == 20)
        #expect(Self.total(streams, "ecl.workflows.started", where: workflow) == 20)
        #expect(Self.total(streams, "ecl.workflows.completed", where: workflow) == 20)
        #expect(streams["ecl.workflows.failed"] == nil)
        let retries = summary["retries"] as? Int ?? -1
        #expect(retries > 0)
        #expect(Self.total(streams, "ecl.step.retries") == Double(retries))
        #expect((streams["ecl.step.retries"] ?? []).allSatisfy { $0.attributes["error.type"] != nil && $0.attributes["ecl.step.id"] != nil })
        #expect(Self.total(streams, "gen_ai.client.token.usage") == Double(summary["tokens_used"] as? Int ?? -1))
        #expect(Self.total(streams, "ecl.workflow.revisions") == Double(summary["revisions"] as? Int ?? -1))
        #expect((streams["ecl.workflow.duration"] ?? []).reduce(0) { $0 + ($1.count ?? 0) } == 20, "one duration a workflow")
        #expect(run.stdoutLines.contains { $0.contains("\"metrics\":{") }, "the summary says what became of the data points")

        // A critic that never passes within the revisions allowed: every workflow fails.
        let (failing, failedStreams, _) = try runWithDump(cli, [
            "run", "critique-revise", "--count", "5", "--offline-revisions", "2", "--max-revisions", "1",
        ])
        #expect(failing["failed"] as? Int == 5)
        #expect(Self.total(failedStreams, "ecl.workflows.failed", where: workflow) == 5)
        #expect(failedStreams["ecl.workflows.completed"] == nil)
        #expect(Self.total(failedStreams, "gen_ai.client.token.usage") == Double(failing["tokens_used"] as? Int ?? -1))
        #expect((failedStreams["ecl.workflow.duration"] ?? []).allSatisfy { $0.attributes["ecl.workflow.outcome"] == "failed" })
    }

    @Test func metricsReachARealCollectorWithTheRest() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let collector = try Collector(directory: cli.directory)
        let run = try cli.run(arguments: [
            "run", "critique-revise", "--count", "10", "--llm-fault-rate", "0.5", "--seed", "2", "--preset", "prod",
            "--otlp-endpoint", collector.endpoint, "--db", ":memory:",
        ])
        let received = collector.stop()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutLines.contains { $0.hasPrefix("Metric data points: ") && $0.contains(" delivered to \(collector.endpoint), 0 spooled, 0 lost.") }, "\(run.stdout)")
        // rotel took every batch and forwarded each metric; it keeps a sum's integer only when it is a JSON
        // number and drops histogram points sent as JSON (its bug: the OTLP JSON encoding writes 64-bit
        // integers as strings, and says receivers accept both), so the values are checked on the dump and in
        // Prometheus, the names here.
        let names = Set(received.metrics.map { $0[0] })
        for name in ["ecl.workflows.started", "ecl.workflows.completed", "ecl.workflow.duration", "ecl.step.duration", "ecl.step.retries",
                     "gen_ai.client.token.usage", "gen_ai.client.operation.duration"] {
            #expect(names.contains(name), "\(name) not in \(names)")
        }
    }

    /// The run id of a summary's Prometheus push.
    static func pushedRun(_ summary: [String: Any]) -> String? { (summary["prometheus"] as? [String: Any])?["run"] as? String }

    @Test func aRunsMetricsReachPrometheusThroughThePushgatewayAndMatchItsSummary() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let servers = try PrometheusServers(directory: cli.directory)
        defer { servers.stop() }
        let collector = try Collector(directory: cli.directory)
        let textFile = cli.directory.appendingPathComponent("ecl.prom").path
        let run = try cli.run(arguments: [
            "run", "critique-revise", "--count", "100", "--concurrency", "8", "--llm-fault-rate", "0.2", "--seed", "11", "--preset", "prod",
            "--otlp-endpoint", collector.endpoint, "--prometheus-pushgateway", servers.pushgatewayURL, "--metrics-out", textFile,
            "--output", "json", "--db", ":memory:",
        ])
        let received = collector.stop()
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try Self.summary(run)
        let runID = try #require(Self.pushedRun(summary), "\(summary)")
        let prometheus = try #require(summary["prometheus"] as? [String: Any])
        #expect(prometheus["failed"] as? Int == 0)
        #expect((prometheus["pushes"] as? Int ?? 0) >= 1)

        // Prometheus scraped the Pushgateway: the run's counts, as its query API answers them.
        let group = "job=\"ecl-workflows\",run=\"\(runID)\""
        let completed = Double(summary["completed"] as? Int ?? -1)
        #expect(completed == 100)
        #expect(servers.query("sum(ecl_workflows_completed_total{\(group)})", until: completed) == completed)
        #expect(servers.query("sum(ecl_workflows_started_total{\(group)})", until: 100) == 100)
        let retries = Double(summary["retries"] as? Int ?? -1)
        #expect(retries > 0)
        #expect(servers.query("sum(ecl_step_retries_total{\(group)})", until: retries) == retries)
        let tokens = Double(summary["tokens_used"] as? Int ?? -1)
        #expect(servers.query("sum(gen_ai_client_token_usage_sum{\(group)})", until: tokens) == tokens)
        #expect(servers.query("sum(ecl_workflow_duration_seconds_count{\(group)})", until: 100) == 100)
        let outputTokens = servers.queryOnce("sum(gen_ai_client_token_usage_sum{\(group),gen_ai_token_type=\"output\"})") ?? -1
        #expect(outputTokens > 0 && outputTokens < tokens)

        // The textfile holds the same totals, in the text format with help and type lines.
        let text = try String(contentsOfFile: textFile, encoding: .utf8)
        #expect(text.contains("# TYPE ecl_workflows_completed_total counter"))
        #expect(text.contains("# HELP ecl_workflows_completed_total Workflow runs that completed."))
        #expect(text.contains("ecl_workflows_completed_total{ecl_workflow_name=\"critique-revise\"} 100"))
        #expect(text.contains("# TYPE ecl_workflow_duration_seconds histogram"))
        #expect(run.stdoutLines.contains { $0.contains("\"holds\":\"metrics, Prometheus text\"") })

        // And the OTLP receiver got the same metrics with the spans and logs.
        #expect(Set(received.metrics.map { $0[0] }).isSuperset(of: ["ecl.workflows.completed", "ecl.step.retries", "gen_ai.client.token.usage"]))
        #expect(!received.spans.isEmpty && !received.logs.isEmpty)
    }

    @Test func badPrometheusOptionsAreOneLineAndExitTwo() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let link = cli.directory.appendingPathComponent("link.prom").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: cli.directory.appendingPathComponent("target.prom").path)
        let store = cli.directory.appendingPathComponent("x.db").path
        try "[logging]\nlevel = \"info\"\n".write(to: cli.directory.appendingPathComponent("c.toml"), atomically: true, encoding: .utf8)
        for (arguments, expected) in [
            (["--prometheus-pushgateway", "127.0.0.1:9091"], "--prometheus-pushgateway: '127.0.0.1:9091'"),
            (["--prometheus-pushgateway", "ftp://h:9091"], "--prometheus-pushgateway: 'ftp://h:9091'"),
            (["--prometheus-pushgateway", "http://h:9091/metrics/job/mine"], "the Pushgateway's base URL"),
            (["--metrics-out", ""], "--metrics-out: ''"),
            (["--metrics-out", "/nonexistent-dir/x.prom"], "--metrics-out: '/nonexistent-dir/x.prom'"),
            (["--metrics-out", cli.directory.path], "--metrics-out: '\(cli.directory.path)'"),
            (["--metrics-out", "/dev/null"], "a regular file or a new path"),
            (["--metrics-out", link], "a regular file or a new path"),
            (["--metrics-out", "/proc/ecl.prom"], "a file in a directory this process can write"),
            (["--metrics-out", store, "--db", store], "--metrics-out: '\(store)' is the store (--db)"),
            (["--metrics-out", "l.db", "--log-sql", "sqlite:l.db"], "--metrics-out: 'l.db' is the log database"),
            (["--metrics-out", "d-metrics.jsonl", "--jsonl-out", "d.jsonl"], "--metrics-out: 'd-metrics.jsonl' is the metrics dump"),
            (["--metrics-out", "-"], "--metrics-out: '-'"),
            (["--metrics-out", store + "-wal", "--db", store], "is the store (--db)'s wal file"),
            (["--metrics-out", "c.toml", "--config", "c.toml"], "--metrics-out: 'c.toml' is the configuration file"),
        ] {
            let run = try cli.run(arguments: ["run", "--db", ":memory:"] + arguments)
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderrLines.count == 1 && run.stderrLines.first?.contains(expected) == true, "\(arguments): \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: store), "nothing was written over")
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("target.prom").path))
        #expect(try String(contentsOfFile: cli.directory.appendingPathComponent("c.toml").path, encoding: .utf8).hasPrefix("[logging]"))
        // A one-letter name is a file like any other (it once crashed the path check), and so is a name as
        // long as the system allows (the temporary file beside it has a short name of its own).
        let long = String(repeating: "m", count: 250)
        for name in ["a", long] {
            let run = try cli.run(arguments: ["run", "simple", "--db", ":memory:", "--metrics-out", name])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            #expect(try String(contentsOfFile: cli.directory.appendingPathComponent(name).path, encoding: .utf8).contains("ecl_workflows_completed_total"))
        }
    }

    @Test func aPushgatewayThatIsDownIsSaidAndTheRunGoesOn() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let closed = try freeLocalPort()
        let run = try cli.run(arguments: [
            "run", "simple", "--count", "3", "--prometheus-pushgateway", "http://user:secret@127.0.0.1:\(closed)", "--db", ":memory:",
        ])
        // The run's metrics reached nowhere: said, and exit 1 (as for spans and log records kept nowhere).
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("Prometheus: the run's last push to http://user:***@127.0.0.1:\(closed) failed"), "\(run.stderr)")
        #expect(!run.stderr.contains("secret") && !run.stdout.contains("secret"))
        #expect(run.stdoutLines.contains { $0.hasPrefix("Prometheus: pushed 0 times to http://user:***@127.0.0.1:\(closed), 1 failed") }, "\(run.stdout)")
    }

    @Test func aPushgatewayThatHangsNeverHoldsUpTheFile() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let hanging = try LocalHTTPServer(fallback: .hang(seconds: 30))
        defer { hanging.stop() }
        let textFile = cli.directory.appendingPathComponent("ecl.prom").path
        let run = try cli.run(
            arguments: [
                "run", "simple", "--count", "30", "--concurrency", "2", "--prometheus-pushgateway", hanging.baseURL, "--metrics-out", textFile,
                "--output", "json", "--db", ":memory:",
            ],
            environment: ["OTEL_METRIC_EXPORT_INTERVAL": "100", "OTEL_METRIC_EXPORT_TIMEOUT": "300"])
        // The final figures are in the file, so they were written: exit 0, the failed push said.
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.summary(run)["prometheus"].flatMap { ($0 as? [String: Any])?["last_push_failed"] as? Bool } == true)
        let summary = try Self.summary(run)
        // The workflows' time and the time spent on the last telemetry after them are given apart.
        #expect(summary["wall_seconds"] is Double && summary["finish_seconds"] is Double)
        // The file has the run's final figures, whatever the pushes did.
        let text = try String(contentsOfFile: textFile, encoding: .utf8)
        #expect(text.contains("ecl_workflows_completed_total{ecl_workflow_name=\"simple\"} \(summary["completed"] as? Int ?? -1)"), "\(text)")
        // A series of failed pushes is said once at most (however many intervals passed), and the last one again.
        #expect(run.stderrLines.filter { $0.contains("Prometheus: the push to") }.count <= 1, "\(run.stderr)")
        #expect(run.stderrLines.filter { $0.contains("Prometheus: the run's last push to") }.count == 1, "\(run.stderr)")
    }

    @Test func prometheusScrapesTheRunWhileItLasts() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let port = try freeLocalPort()
        let servers = try PrometheusServers(directory: cli.directory, scrapeTargets: ["127.0.0.1:\(port)"])
        defer { servers.stop() }
        // A run long enough to be scraped (seeded faults make each workflow wait out its back-offs).
        let running = try cli.start(
            arguments: ["run", "--count", "16", "--concurrency", "2", "--llm-fault-rate", "0.5", "--seed", "1", "--db", ":memory:", "--output", "json"],
            environment: ["OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1", "OTEL_EXPORTER_PROMETHEUS_PORT": "\(port)"])
        let seen = servers.query("sum(ecl_workflows_started_total{job=\"ecl\"})", until: { $0 > 0 })
        let run = try running.wait()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(seen.map { $0 > 0 && $0 <= 16 } == true, "Prometheus scraped the run: \(String(describing: seen))")
        let endpoint = try #require(try Self.summary(run)["prometheus_endpoint"] as? [String: Any])
        #expect(endpoint["url"] as? String == "http://127.0.0.1:\(port)/metrics")
        #expect((endpoint["scrapes"] as? Int ?? 0) >= 1)
        // Served while the run lasted only: the port is free again.
        #expect(!Collector.isListening(port: port), "nothing listens on \(port) after the run")
    }

    @Test func theSummaryNamesEachSignalsOwnCollector() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let spans = try LocalHTTPServer()
        let metrics = try LocalHTTPServer()
        defer {
            spans.stop()
            metrics.stop()
        }
        let run = try cli.run(
            arguments: ["run", "simple", "--count", "2", "--db", ":memory:"],
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": spans.baseURL, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": metrics.baseURL + "/custom/metrics"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutLines.contains { $0.hasPrefix("Spans: ") && $0.contains("delivered to \(spans.baseURL),") }, "\(run.stdout)")
        #expect(run.stdoutLines.contains { $0.hasPrefix("Metric data points: ") && $0.contains("delivered to \(metrics.baseURL),") }, "\(run.stdout)")
        #expect(metrics.requests.contains { $0.path == "/custom/metrics" })
        #expect(!spans.requests.contains { $0.path.contains("metrics") })
    }
}
