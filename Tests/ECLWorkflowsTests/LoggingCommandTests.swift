import Foundation
import TestSupport
import Testing

@Suite struct LoggingCommandTests {
    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "not a JSON object: \(line)")
        }
    }

    @Test func jsonRunPrintsOnlyCorrelatedJSONLines() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(
            arguments: ["run", "critique-revise", "--count", "20", "--concurrency", "8", "--log-format", "json", "--llm-fault-rate", "0.2", "--seed", "3"],
            environment: ["ECL_LOG_OUTPUT": "stdout"])
        #expect(run.status == 0)
        let lines = try jsonLines(run.stdout)
        let logs = lines.filter { $0["message"] != nil }
        let results = lines.filter { $0["status"] != nil }
        #expect(results.count == 20)
        #expect(lines.last?["summary"] != nil)
        #expect(logs.count + results.count + 1 == lines.count)

        var totalRetries = 0
        for result in results {
            let id = try #require(result["workflow_id"] as? String)
            let mine = logs.filter { $0["workflow_id"] as? String == id }
            func count(_ message: String) -> Int { mine.filter { $0["message"] as? String == message }.count }
            #expect(count("Workflow execution started") == 1)
            #expect(count("Workflow execution completed successfully") + count("Workflow execution failed") == 1)
            let revisions = try #require(result["revisions"] as? Int)
            #expect(count("Step execution started") == 2 + 2 * revisions)
            let retries = try #require(result["retries"] as? Int)
            #expect(count("Retrying after failure") == retries)
            totalRetries += retries
            for retry in mine where retry["message"] as? String == "Retrying after failure" {
                #expect(retry["attempt"] is Int)
                #expect(retry["max_attempts"] as? Int == 3)
            }
        }
        #expect(totalRetries > 0)
        // Every line logged during a workflow carries its id; every step line its step. The one line before
        // any workflow is the start's "Logging initialized".
        #expect(logs.first?["message"] as? String == "Logging initialized")
        for line in logs.dropFirst() {
            let logger = line["logger"] as? String ?? ""
            #expect(line["workflow_id"] is String, "no workflow_id: \(line)")
            if logger == "ECLCore.Executor" || logger == "ECLCore.LLM" { #expect(line["step_id"] is String, "no step_id: \(line)") }
        }
    }

    @Test func debugLevelFromTheEnvironment() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(arguments: ["run", "simple"], environment: ["ECL_LOG_LEVEL": "debug", "ECL_LOG_FORMAT": "json"])
        #expect(run.status == 0)
        let logs = try jsonLines(run.stderr)
        #expect(logs.contains {
            $0["level"] as? String == "debug" && $0["message"] as? String == "Operation completed" && $0["operation"] as? String == "INSERT"
                && $0["table"] as? String == "step_executions" && $0["duration_ms"] is Double
        })
        #expect(logs.contains { $0["level"] as? String == "debug" && $0["message"] as? String == "LLM request started" })
        let quiet = try cli.run(arguments: ["run", "simple"], environment: ["ECL_LOG_FORMAT": "json"])
        #expect(try jsonLines(quiet.stderr).allSatisfy { $0["level"] as? String != "debug" })
    }

    @Test func compactLinesAreGreppableByWorkflow() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let id = "123e4567-e89b-42d3-a456-426614174000"
        let run = try cli.run(arguments: ["run", "--workflow-id", id, "--count", "3", "--log-format", "compact"])
        #expect(run.status == 0)
        let mine = run.stderrLines.filter { $0.contains("workflow_id=\(id)") }
        #expect(mine.count >= 8)
        #expect(mine.allSatisfy { $0.hasPrefix("ts=") && $0.contains(" level=") })
        #expect(run.stderrLines.filter { $0.contains("msg=\"Workflow execution started\"") }.count == 3)
    }

    @Test func prettyIsTheDefault() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(arguments: ["run"], environment: ["NO_COLOR": "1"])
        #expect(run.status == 0)
        #expect(run.stderrLines.first?.contains(" INFO  Logging initialized  log_format=pretty log_level=info") == true, "\(run.stderr)")
        #expect(run.stderrLines.dropFirst().first?.contains(" INFO  Workflow execution started  workflow_id=") == true)
        #expect(!run.stderr.contains("\u{1B}["))
    }

    @Test func logFileIsAppended() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let log = cli.directory.appendingPathComponent("run.log").path
        for _ in 0..<2 {
            let run = try cli.run(arguments: ["run", "simple", "--log-format", "json"], environment: ["ECL_LOG_OUTPUT": log])
            #expect(run.status == 0)
        }
        let lines = try jsonLines(try String(contentsOfFile: log, encoding: .utf8))
        #expect(lines.filter { $0["message"] as? String == "Workflow execution started" }.count == 2)
    }

    @Test(arguments: [
        (["run", "--log-level", "loud"], [String: String](), ["--log-level", "'loud'", "trace, debug, info, warn, error"]),
        (["run", "--log-format", "xml"], [:], ["--log-format", "'xml'", "pretty, compact, json"]),
        (["run"], ["ECL_LOG_LEVEL": "chatty"], ["ECL_LOG_LEVEL", "'chatty'", "trace, debug"]),
        (["run"], ["ECL_LOG_FORMAT": "yaml"], ["ECL_LOG_FORMAT", "'yaml'", "pretty, compact, json"]),
        (["run", "--preset", "staging"], [:], ["--preset", "'staging'", "default, dev, prod"]),
        (["run"], ["ECL_LOG_OUTPUT": "/nonexistent-ecl/run.log"], ["/nonexistent-ecl/run.log", "No such file or directory"]),
        (["list", "--config", "/nonexistent-ecl/ecl.toml"], [:], ["--config", "/nonexistent-ecl/ecl.toml"]),
    ])
    func badLoggingInputIsOneLineAndExitTwo(arguments: [String], environment: [String: String], mentions: [String]) throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(arguments: arguments, environment: environment)
        #expect(run.status == 2)
        #expect(run.stderrLines.count == 1, "stderr: \(run.stderr)")
        for word in mentions { #expect(run.stderr.contains(word), "missing \(word) in \(run.stderr)") }
    }

    @Test func malformedTOMLNamesFileAndLine() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let path = cli.directory.appendingPathComponent("ecl.toml").path
        try "[logging]\nlevel = \"info\"\nformat = = 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        // Found in the current directory without being named.
        let run = try cli.run(arguments: ["run"])
        #expect(run.status == 2)
        #expect(run.stderrLines.count == 1)
        #expect(run.stderr.contains("\(path):3:"))
        #expect(run.stderr.contains("malformed TOML"))
    }
}

@Suite struct LogsCommandTests {
    /// Runs five workflows storing their log lines at `url`, then reads each workflow's lines back with `logs`.
    static func storedLinesComeBackInOrder(url: String, environment: [String: String] = [:]) throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(
            arguments: ["run", "critique-revise", "--count", "5", "--llm-fault-rate", "0.3", "--seed", "2", "--log-sql", url, "--output", "json"],
            environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("ecl-workflows: "), "\(run.stderr)")
        let ids = try run.stdoutLines.compactMap { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["workflow_id"] as? String }
        #expect(ids.count == 5)
        for id in ids {
            let logs = try cli.run(arguments: ["logs", "--workflow-id", id, "--log-sql", url, "--output", "json"], environment: environment)
            #expect(logs.status == 0, "\(logs.stderr)")
            let lines = try logs.stdoutLines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            #expect(lines.first?["message"] as? String == "Workflow execution started")
            #expect(lines.last?["message"] as? String == "Workflow execution completed successfully")
            #expect(lines.allSatisfy { $0["workflow_id"] as? String == id })
            let stamps = lines.compactMap { $0["timestamp"] as? String }
            #expect(stamps == stamps.sorted())
            let warnings = try cli.run(
                arguments: ["logs", "--workflow-id", id, "--level", "warn"], environment: environment.merging(["ECL_LOG_SQL_URL": url]) { $1 })
            #expect(warnings.status == 0)
            #expect(warnings.stdoutLines.allSatisfy { $0.contains(" WARN ") || $0.contains(" ERROR ") || $0.hasPrefix("No log lines") })
        }
        // Every level a stored line can have is a filter; an empty answer says what it filtered.
        let critical = try cli.run(arguments: ["logs", "--workflow-id", ids[0], "--log-sql", url, "--level", "critical"], environment: environment)
        #expect(critical.status == 0, "\(critical.stderr)")
        #expect(critical.stdout == "No log lines at critical or above stored for workflow \(ids[0]).\n")
        let loud = try cli.run(arguments: ["logs", "--workflow-id", ids[0], "--log-sql", url, "--level", "loud"], environment: environment)
        #expect(loud.status == 2 && loud.stderr.contains("trace, debug, info, notice, warn, error, critical"), "\(loud.stderr)")
    }

    @Test func storedLinesComeBackInTheFormatTheyWereLoggedIn() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let id = "123e4567-e89b-42d3-a456-426614174000"
        let run = try cli.run("run", "simple", "--workflow-id", id, "--log-format", "compact", "--log-sql", "sqlite:logs.db", "--db", ":memory:")
        #expect(run.status == 0, "\(run.stderr)")
        let live = run.stderrLines.filter { $0.contains("workflow_id=\(id)") }
        #expect(live.count > 5)
        let stored = try cli.run("logs", "--workflow-id", id, "--log-sql", "sqlite:logs.db", "--log-format", "compact")
        #expect(stored.status == 0, "\(stored.stderr)")
        // The same lines as compact logfmt. Not compared: durations (12.0 is stored as 12) and the times, which
        // the database's handler takes a few microseconds apart from the console's.
        func key(_ line: String) -> String {
            line.split(separator: " ").filter { !$0.hasPrefix("duration_ms=") && !$0.hasPrefix("ts=") }.joined(separator: " ")
        }
        #expect(stored.stdoutLines.map(key) == live.map(key), "\(stored.stdout)")
        // Pretty by default, like the live lines.
        let pretty = try cli.run("logs", "--workflow-id", id, "--log-sql", "sqlite:logs.db")
        #expect(pretty.stdoutLines.first?.contains(" INFO  Workflow execution started  workflow_id=\(id)") == true, "\(pretty.stdout)")
    }

    @Test func storedLinesComeBackInOrderByWorkflow() throws {
        try Self.storedLinesComeBackInOrder(url: "sqlite:logs.db")
    }

    @Test func aDumpsLogLinesReplayIntoTheDatabase() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(arguments: ["run", "simple", "--jsonl-out", "dump.jsonl", "--output", "json"])
        #expect(run.status == 0)
        let id = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["workflow_id"] as? String)
        let replay = try cli.run(arguments: ["replay", "dump-logs.jsonl", "--log-sql", "sqlite:replayed.db"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.hasPrefix("loaded "))
        let logs = try cli.run(arguments: ["logs", "--workflow-id", id, "--log-sql", "sqlite:replayed.db", "--output", "json"])
        let lines = try logs.stdoutLines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.first?["message"] as? String == "Workflow execution started")
        #expect(lines.last?["message"] as? String == "Workflow execution completed successfully")
        #expect(lines.count >= 8)
        // Loading the same lines again adds none.
        let again = try cli.run(arguments: ["replay", "dump-logs.jsonl", "--log-sql", "sqlite:replayed.db"])
        #expect(again.status == 0)
        // (The dump also holds "Logging initialized", logged before the workflow: one more line stored.)
        #expect(again.stdout.hasPrefix("loaded 0 log lines") && again.stdout.contains("\(lines.count + 1) were stored already"), "\(again.stdout)")
        let after = try cli.run(arguments: ["logs", "--workflow-id", id, "--log-sql", "sqlite:replayed.db", "--output", "json"])
        #expect(after.stdoutLines.count == lines.count)
        // A line that cannot be read is named with the reason, and the others still load.
        let dump = try String(contentsOf: cli.directory.appendingPathComponent("dump-logs.jsonl"), encoding: .utf8)
        try (#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"\ud800"}}]}]}]}"# + "\n[1]\n" + dump)
            .write(to: cli.directory.appendingPathComponent("odd.jsonl"), atomically: true, encoding: .utf8)
        let odd = try cli.run(arguments: ["replay", "odd.jsonl", "--log-sql", "sqlite:odd.db"])
        #expect(odd.status == 0, "\(odd.stderr)")
        #expect(odd.stderr.contains("odd.jsonl: line 1: not valid JSON (") && odd.stderr.contains("surrogate"), "\(odd.stderr)")
        #expect(odd.stderr.contains("odd.jsonl: line 2: JSON, but not an OTLP LogsData object; skipped"), "\(odd.stderr)")
        #expect(odd.stdout.hasPrefix("loaded \(lines.count + 1) log lines"), "\(odd.stdout)")
    }

    @Test func logLinesADatabaseCouldNotTakeWaitInTheSpoolAndReplayLoadsThem() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        // A log database whose table is gone: every insert fails, and the lines wait in the spool.
        #expect(try cli.run(arguments: ["run", "simple", "--log-sql", "sqlite:broken.db", "--db", ":memory:"]).status == 0)
        let drop = try Subprocess.run(
            "python3", ["-c", "import sqlite3; c = sqlite3.connect('broken.db'); c.execute('DROP TABLE log_events'); c.commit()"], in: cli.directory)
        #expect(drop.status == 0, "\(drop.output)")
        let run = try cli.run(arguments: ["run", "simple", "--log-sql", "sqlite:broken.db", "--spool", "sp", "--db", ":memory:", "--output", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("is not taking batches"))
        let id = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["workflow_id"] as? String)
        // replay SPOOL --log-sql writes them into a database that works, and removes them from the spool.
        let replay = try cli.run(arguments: ["replay", "sp", "--log-sql", "sqlite:fresh.db"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let logs = try cli.run(arguments: ["logs", "--workflow-id", id, "--log-sql", "sqlite:fresh.db", "--output", "json"])
        #expect(logs.stdoutLines.count >= 8, "\(logs.stdout)")
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("sp").path))
    }

    @Test(arguments: [
        (["logs", "--workflow-id", "x", "--log-sql", "sqlite:l.db"], ["--workflow-id", "'x'", "UUID"]),
        (["logs", "--workflow-id", "123e4567-e89b-42d3-a456-426614174000"], ["--log-sql"]),
        (["logs", "--workflow-id", "123e4567-e89b-42d3-a456-426614174000", "--log-sql", "sqlite:none.db"], ["no log database", "none.db"]),
        (["logs", "--workflow-id", "123e4567-e89b-42d3-a456-426614174000", "--log-sql", "sqlite:l.db", "--level", "loud"], ["--level", "'loud'"]),
        (["logs", "--workflow-id", "123e4567-e89b-42d3-a456-426614174000", "--log-sql", "sqlite:l.db", "--since", "yesterday"], ["--since", "'yesterday'"]),
        (["run", "--log-sql", "postgres://u:pw@127.0.0.1:1/d"], ["--log-sql", "u:***@127.0.0.1:1"]),
        (["run", "--log-sql", "postgres://u:pw@127.0.0.1:1/d?sslmode=sometimes"], ["--log-sql", "u:***@127.0.0.1:1", "'sometimes'", "require"]),
        (["run", "--log-sql", "mysql://h"], ["--log-sql", "'mysql://h'", "sqlite:PATH", "postgres://"]),
    ])
    func badInputIsOneLineAndExitTwo(arguments: [String], mentions: [String]) throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(arguments: arguments)
        #expect(run.status == 2)
        #expect(run.stderrLines.count == 1, "\(run.stderr)")
        #expect(!run.stderr.contains("pw@"))
        for word in mentions { #expect(run.stderr.contains(word), "missing \(word) in \(run.stderr)") }
    }
}

#if PostgreSQL
/// The SQL log exporter's PostgreSQL engine through the command, against a real server on 127.0.0.1.
@Suite(.enabled(if: LocalPostgres.isInstalled, "PostgreSQL server binaries are not installed (make test installs them)"))
struct PostgresLogsCommandTests {
    @Test func storedLinesComeBackInOrderFromPostgres() throws {
        let server = try LocalPostgres.shared()
        // The password from PGPASSWORD, as libpq takes it, so that it is in no argument.
        let url = try server.freshDatabase().replacingOccurrences(of: ":\(server.password)@", with: "@")
        try LogsCommandTests.storedLinesComeBackInOrder(url: url, environment: ["PGPASSWORD": server.password])
    }

    @Test func aDumpReplaysIntoPostgres() throws {
        let server = try LocalPostgres.shared()
        let url = try server.freshDatabase()
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(arguments: ["run", "simple", "--jsonl-out", "dump.jsonl", "--output", "json"])
        let id = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["workflow_id"] as? String)
        let replay = try cli.run(arguments: ["replay", "dump-logs.jsonl", "--log-sql", url])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("into postgres://ecl:***@127.0.0.1") && !replay.stdout.contains(server.password))
        let again = try cli.run(arguments: ["replay", "dump-logs.jsonl", "--log-sql", url])
        #expect(again.stdout.hasPrefix("loaded 0 log lines"), "\(again.stdout)")
        let logs = try cli.run(arguments: ["logs", "--workflow-id", id, "--log-sql", url, "--output", "json"])
        let lines = try logs.stdoutLines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.first?["message"] as? String == "Workflow execution started")
        #expect(lines.last?["message"] as? String == "Workflow execution completed successfully")
    }

    @Test func aWrongPasswordIsOneLineAndExitTwo() throws {
        let server = try LocalPostgres.shared()
        let cli = try CommandRunner()
        defer { cli.remove() }
        let wrong = server.url.replacingOccurrences(of: server.password, with: "hunter2")
        for arguments in [["run", "simple", "--log-sql", wrong], ["logs", "--workflow-id", "123e4567-e89b-42d3-a456-426614174000", "--log-sql", wrong]] {
            let run = try cli.run(arguments: arguments)
            #expect(run.status == 2)
            #expect(run.stderrLines.count == 1, "\(run.stderr)")
            #expect(run.stderr.contains("--log-sql") && run.stderr.contains("password authentication failed"), "\(run.stderr)")
            #expect(!run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"))
        }
    }
}
#endif

/// docs/logging.md's message catalogue holds every message the engine and the command log.
@Suite struct MessageCatalogueTests {
    /// The messages of the catalogue table: the third column, in backticks.
    static func catalogue() throws -> Set<String> {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/logging.md").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## What the engine logs").dropFirst().first)
        let rows = section.split(separator: "\n").prefix { !$0.hasPrefix("## ") }.filter { $0.hasPrefix("| ") }
        return Set(rows.compactMap { row -> String? in
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, cells[2].hasPrefix("`"), cells[2].hasSuffix("`") else { return nil }
            return String(cells[2].dropFirst().dropLast())
        })
    }

    @Test func everyMessageLoggedIsInTheCatalogue() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let catalogue = try Self.catalogue()
        #expect(catalogue.count >= 15)
        // A Messages API that refuses the request: a step and its workflow fail.
        let api = try LocalHTTPServer(fallback: .respond(status: 400, body: #"{"type":"error","error":{"type":"invalid_request_error","message":"no"}}"#))
        defer { api.stop() }
        let runs: [([String], [String: String])] = [
            (["run", "critique-revise", "--count", "3", "--llm-fault-rate", "0.3", "--seed", "7"], [:]),
            (["run", "--offline-revisions", "5", "--max-revisions", "1"], [:]),
            (["run", "simple", "--llm", "claude"], ["ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": api.baseURL]),
        ]
        var seen: Set<String> = []
        for (arguments, environment) in runs {
            let run = try cli.run(arguments: arguments + ["--log-format", "json", "--log-level", "debug", "--db", "runs.db"], environment: environment)
            for line in run.stderrLines where line.hasPrefix("{") {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                if let message = object["message"] as? String { seen.insert(message) }
            }
        }
        #expect(seen.isSuperset(of: [
            "Logging initialized", "Workflow execution started", "Workflow execution completed successfully", "Workflow execution failed",
            "Step execution started", "Step execution completed", "Step execution failed", "Retrying after failure", "Revision requested",
            "LLM request started", "LLM response received", "LLM request failed", "Operation completed",
        ]), "\(seen.sorted())")
        #expect(seen.subtracting(catalogue).isEmpty, "not in docs/logging.md's catalogue: \(seen.subtracting(catalogue).sorted())")
    }
}
