import ECLCore
import Foundation
import TestSupport
import Testing

@Suite struct ConsoleAndSignalTests {
    @Test func devPresetPrintsSpansIndentedUnderTheirParents() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(arguments: ["run", "simple", "--preset", "dev", "--db", ":memory:"], environment: ["NO_COLOR": "1"])
        #expect(run.status == 0)
        let spans = run.stderrLines.filter { $0.hasPrefix("span ") }
        #expect(spans.last?.hasPrefix("span workflow simple  ") == true)
        #expect(spans.contains { $0.hasPrefix("span   step generate  ") && $0.contains("ecl.step.attempt=1") })
        #expect(spans.contains { $0.hasPrefix("span     chat offline-deterministic  ") && $0.contains("gen_ai.usage.input_tokens=") })
        // Debug lines come with the dev preset.
        #expect(run.stderr.contains("DEBUG"))
    }

    @Test func prodPresetExportsAndSpoolsWhenNoCollectorListens() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let collector = try Collector(directory: cli.directory)
        // OTEL_EXPORTER_OTLP_ENDPOINT stands in for the default http://localhost:4318.
        let run = try cli.run(arguments: ["run", "simple", "--preset", "prod"], environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint])
        let received = collector.stop()
        #expect(run.status == 0)
        #expect(!received.spans.isEmpty && !received.logs.isEmpty)
        // JSON logs (on stderr here), every line an object.
        #expect(run.stderrLines.allSatisfy { $0.hasPrefix("{\"timestamp\"") })

        // No collector: one warning that names the spool, and everything in it (the export timeouts left at
        // their 30 s defaults: a refused connection is known at once, not after them).
        let closed = try freeLocalPort()
        let offline = try cli.run(
            arguments: ["run", "simple", "--preset", "prod", "--db", ":memory:"], environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(closed)"])
        #expect(offline.status == 0)
        let warnings = offline.stderrLines.filter { !$0.hasPrefix("{") }
        #expect(warnings.count == 1 && warnings[0].contains("not taking batches") && warnings[0].contains("ecl-otlp-spool"), "\(warnings)")
        let spool = cli.directory.appendingPathComponent("ecl-otlp-spool").path
        #expect(try OTLPFile.spans(spool).contains { $0[2] == "workflow simple" })
        #expect(!(try OTLPFile.logs(spool)).isEmpty)
    }

    /// Starts the binary, its standard error a pipe (``ChildProcess`` gives it an empty signal mask: the test
    /// runner blocks signals and children would inherit the mask).
    func start(_ cli: CommandRunner, _ arguments: [String], environment extra: [String: String] = [:]) throws -> ChildProcess {
        var environment = ProcessInfo.processInfo.environment
        environment["ECL_LOG_OUTPUT"] = "stderr"
        environment.merge(extra) { $1 }
        return try ChildProcess(CommandRunner.binary.path, arguments, in: cli.directory.path, environment: environment, standardError: .pipe)
    }

    @Test func sigintWithTheCollectorDownCancelsCleanlyAndSpoolsEveryRecordedStep() async throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let closed = try freeLocalPort()
        let database = cli.directory.appendingPathComponent("run.db").path
        let process = try start(cli, [
            "run", "critique-revise", "--count", "100000", "--concurrency", "4", "--otlp-endpoint", "http://127.0.0.1:\(closed)",
            "--spool", "spool", "--db", database, "--log-format", "json",
        ])
        let errors = try #require(process.standardError)
        // Once workflows have completed, interrupt mid-run.
        var completed = 0
        while completed < 20, let line = errors.readLine() {
            if line.contains("Workflow execution completed successfully") { completed += 1 }
        }
        process.signal(SIGINT)
        let rest = errors.readDataToEndOfFile()
        #expect(try process.wait() == 130)
        #expect(String(decoding: rest, as: UTF8.self).contains("SIGINT: starting no new workflow"))

        // No workflow left running; the spool holds the span of every workflow and every step try recorded.
        let store = try SQLiteWorkflowStore(path: database)
        let workflows = try await store.workflows(limit: 1_000_000)
        #expect(!workflows.isEmpty && workflows.count < 100_000)
        #expect(!workflows.contains { $0.state == .running })
        var stepRows = 0
        for workflow in workflows { stepRows += try await store.stepExecutions(of: workflow.id).count }
        let spans = try OTLPFile.spans(cli.directory.appendingPathComponent("spool").path)
        #expect(Set(spans.filter { $0[2].hasPrefix("workflow ") }.map { $0[0] }) == Set(workflows.map { Self.hex($0.id.description) }))
        #expect(spans.filter { $0[2].hasPrefix("step ") }.count == stepRows)
        #expect(Set(spans.map { $0[1] }).count == spans.count, "no span spooled twice")
    }

    @Test func aSecondSigintSpoolsWhatIsPendingAndExitsAtOnce() async throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        // A collector that never answers: the exporter is stuck in a request when the signals come.
        let hanging = try LocalHTTPServer(fallback: .hang(seconds: 60))
        defer { hanging.stop() }
        let database = cli.directory.appendingPathComponent("run.db").path
        let dump = cli.directory.appendingPathComponent("dump.jsonl").path
        let process = try start(cli, [
            "run", "--count", "100000", "--concurrency", "4", "--otlp-endpoint", hanging.baseURL, "--spool", "spool", "--db", database,
            "--jsonl-out", dump, "--log-format", "json",
        ])
        let errors = try #require(process.standardError)
        var completed = 0
        while completed < 40, let line = errors.readLine() {
            if line.contains("Workflow execution completed successfully") { completed += 1 }
        }
        process.signal(SIGINT)
        while let line = errors.readLine(), !line.contains("SIGINT: starting no new workflow") {}
        process.signal(SIGINT)
        let rest = String(decoding: errors.readDataToEndOfFile(), as: UTF8.self)
        #expect(try process.wait() == 130)
        #expect(rest.contains("SIGINT again: spooling pending telemetry and exiting now"))
        #expect(rest.contains("stopped at once: ") || rest.contains("workflows: "), "\(rest)")
        // Every workflow that completed has its span in the spool (at least once) and in the dump, but for those
        // the second signal caught between recording their end and ending their span (at most one a
        // concurrency slot: exiting at once ends no span); none is left running (those cut short are
        // recorded cancelled).
        let spooled = Set(try OTLPFile.spans(cli.directory.appendingPathComponent("spool").path).filter { $0[2].hasPrefix("workflow ") }.map { $0[0] })
        let dumped = Set(try OTLPFile.spans(dump).filter { $0[2].hasPrefix("workflow ") }.map { $0[0] })
        let store = try SQLiteWorkflowStore(path: database)
        let workflows = try await store.workflows(limit: 1_000_000)
        #expect(workflows.count >= 40)
        #expect(!workflows.contains { $0.state == .running })
        let ended = Set(workflows.filter { $0.state == .completed }.map { Self.hex($0.id.description) })
        #expect(ended.subtracting(spooled).count <= 4, "\(ended.subtracting(spooled))")
        #expect(ended.subtracting(dumped).count <= 4, "\(ended.subtracting(dumped))")
        #expect(spooled.count >= 40)
    }

    @Test func sigintAbortsModelCallsInFlightAndRecordsTheRunsCancelled() async throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        // A Messages API that takes the calls and never answers.
        let api = try LocalHTTPServer(fallback: .hang(seconds: 60))
        defer { api.stop() }
        let database = cli.directory.appendingPathComponent("run.db").path
        let process = try start(
            cli, ["run", "simple", "--llm", "claude", "--count", "3", "--db", database],
            environment: ["ANTHROPIC_API_KEY": "sk-test-key", "ANTHROPIC_BASE_URL": api.baseURL])
        let errors = try #require(process.standardError)
        // All three workflows' first calls are in flight at once.
        for _ in 0..<1000 where api.requests.count < 3 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(api.requests.count == 3)
        process.signal(SIGINT)
        let rest = String(decoding: errors.readDataToEndOfFile(), as: UTF8.self)
        #expect(try process.wait() == 130)
        #expect(!rest.contains("sk-test-key"))
        let workflows = try await SQLiteWorkflowStore(path: database).workflows(limit: 10)
        #expect(workflows.count == 3)
        #expect(workflows.allSatisfy { $0.state == .cancelled && $0.error?.contains("aborted") == true }, "\(workflows.map(\.error))")
    }

    static func hex(_ id: String) -> String { id.replacingOccurrences(of: "-", with: "") }

    @Test func aHugeCountStreamsResultsFromTheFirstWorkflowAndStopsOnSigint() async throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let process = try ChildProcess(
            CommandRunner.binary.path,
            ["run", "simple", "--count", "10000000", "--output", "json", "--log-level", "error", "--db", cli.directory.appendingPathComponent("run.db").path],
            in: cli.directory.path, standardOutput: .pipe)
        let results = try #require(process.standardOutput)
        // Results come as workflows end, in start order: the first is read while the run goes on.
        let first = try #require(results.readLine() as String?)
        #expect(first.contains(#""status":"completed""#), "\(first)")
        #expect(process.isRunning)
        process.signal(SIGINT)
        let rest = String(decoding: results.readDataToEndOfFile(), as: UTF8.self)
        #expect(try process.wait() == 130)
        let summaryLine = try #require(rest.split(separator: "\n").last)
        let summary = try #require((try JSONSerialization.jsonObject(with: Data(summaryLine.utf8)) as? [String: Any])?["summary"] as? [String: Any])
        #expect(summary["workflows"] as? Int == 10_000_000)
        let notStarted = try #require(summary["not_started"] as? Int)
        let ended = (summary["completed"] as? Int ?? 0) + (summary["cancelled"] as? Int ?? 0) + (summary["failed"] as? Int ?? 0)
        #expect(notStarted > 9_000_000)
        #expect(ended + notStarted == 10_000_000)
        // Every ended workflow's line was printed, none twice.
        #expect(rest.split(separator: "\n").count == ended, "\(ended) ended")  // the first line read above, the summary added
    }

    @Test func theSameSeedGivesTheSameRetriesEveryTime() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        func retries() throws -> [Int] {
            let run = try cli.run("run", "--count", "20", "--concurrency", "8", "--llm-fault-rate", "0.3", "--seed", "7", "--output", "json", "--db", ":memory:")
            #expect(run.status == 0)
            return run.stdoutLines.dropLast().compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["retries"] as? Int }
        }
        let first = try retries()
        #expect(first.count == 20)
        #expect(first.reduce(0, +) > 0)
        #expect(try retries() == first)
        #expect(try retries() == first)
    }

    @Test func sigtermWritesPendingTelemetryBeforeExiting() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let dump = cli.directory.appendingPathComponent("dump.jsonl").path
        // A long run: most model calls fail and wait before their retry.
        let process = try start(cli, [
            "run", "--count", "500", "--concurrency", "2", "--llm-fault-rate", "0.9", "--seed", "1", "--jsonl-out", dump, "--db", ":memory:",
            "--log-format", "json",
        ])
        let errors = try #require(process.standardError)
        // The first retry warning means spans have ended and wait in the queue (the span delay is 5 s).
        while let line = errors.readLine(), !line.contains("Retrying after failure") {}
        process.terminate()
        #expect(try process.wait() == 128 + SIGTERM)
        let spans = try OTLPFile.spans(dump)
        #expect(!spans.isEmpty)
        #expect(spans.contains { $0[2] == "step generate" })
    }
}
