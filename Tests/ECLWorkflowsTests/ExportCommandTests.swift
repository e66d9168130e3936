import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct ExportCommandTests {
    func path(_ cli: CommandRunner, _ name: String) -> String { cli.directory.appendingPathComponent(name).path }

    func results(_ run: CommandRunner.Outcome) throws -> [String] {
        try run.stdoutLines.compactMap { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["workflow_id"] as? String
        }
    }

    static func hex(_ id: String) -> String { id.replacingOccurrences(of: "-", with: "") }

    @Test func dumpsAreSchemaValidWithTraceIdsFromWorkflowIds() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let dump = path(cli, "dump.jsonl")
        let id = "123e4567-e89b-42d3-a456-426614174000"
        let run = try cli.run(arguments: [
            "run", "--count", "3", "--workflow-id", id, "--llm-fault-rate", "0.3", "--seed", "5", "--jsonl-out", dump, "--output", "json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let ids = Set(try results(run).map(Self.hex))
        #expect(ids.count == 3)
        let validation = try OTLPSchemaValidator.run([dump, path(cli, "dump-logs.jsonl")])
        #expect(validation.status == 0, "\(validation.output)")

        let spans = try OTLPFile.spans(dump)
        #expect(spans.allSatisfy { ids.contains($0[0]) })
        #expect(spans.filter { $0[2] == "workflow critique-revise" }.count == 3)
        // The published vector: the workflow span of 123e4567-… is a34e2a8d33b515a4.
        #expect(spans.contains { $0[0] == Self.hex(id) && $0[1] == "a34e2a8d33b515a4" && $0[2] == "workflow critique-revise" })
        #expect(spans.contains { $0[0] == Self.hex(id) && $0[1] == "2e0270676fb3f526" && $0[2] == "step generate" })
        // Every log line written in a workflow carries its trace and a span of that trace (the start's
        // "Logging initialized" is written before any).
        let logs = try OTLPFile.logs(path(cli, "dump-logs.jsonl")).filter { $0[2] != "Logging initialized" }
        let spanIds = Set(spans.map { $0[0] + $0[1] })
        #expect(!logs.isEmpty)
        #expect(logs.allSatisfy { ids.contains($0[0]) && spanIds.contains($0[0] + $0[1]) })
        // With an exporter beside the console, both still get the correlation fields.
        let started = run.stderrLines.filter { $0.contains("Step execution started") }
        #expect(!started.isEmpty && started.allSatisfy { $0.contains("workflow_id=") && $0.contains("step_id=") })
        let records = try OTLPFile.logRecords(path(cli, "dump-logs.jsonl")).filter {
            ($0["body"] as? [String: Any])?["stringValue"] as? String != "Logging initialized"
        }
        let keys = records.map { record in Set(((record["attributes"] as? [[String: Any]]) ?? []).compactMap { $0["key"] as? String }) }
        #expect(keys.allSatisfy { $0.contains("workflow_id") })
        #expect(keys.contains { $0.contains("step_id") && $0.contains("attempt") })

        // Derived ids are stable: the same workflow again gives the same spans.
        let again = path(cli, "again.jsonl")
        let rerun = try cli.run(arguments: ["run", "--workflow-id", id, "--llm-fault-rate", "0.3", "--seed", "5", "--jsonl-out", again, "--db", ":memory:"])
        #expect(rerun.status == 0)
        let first = Set(spans.filter { $0[0] == Self.hex(id) }.map { $0[1] + $0[2] })
        #expect(Set(try OTLPFile.spans(again).map { $0[1] + $0[2] }) == first)
    }

    /// An OTEL_* value that cannot be used is one warning and the run goes on (the OpenTelemetry
    /// environment specification); OTEL_SDK_DISABLED turns the collector export off, even the prod preset's.
    @Test func theOpenTelemetryEnvironmentNeverStopsARun() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(
            arguments: ["run", "simple", "--db", ":memory:", "--jsonl-out", "x.jsonl"],
            environment: ["OTEL_BSP_MAX_QUEUE_SIZE": "-1", "OTEL_EXPORTER_OTLP_TIMEOUT": "soon", "OTEL_TRACES_SAMPLER": "xray"])
        #expect(run.status == 0, "\(run.stderr)")
        let warnings = run.stderrLines.filter { $0.hasPrefix("ecl-workflows: warning: OTLP: OTEL_") }
        #expect(warnings.count == 3, "\(run.stderr)")
        #expect(warnings.contains("ecl-workflows: warning: OTLP: OTEL_BSP_MAX_QUEUE_SIZE: '-1' is not accepted; expected a whole number above 0; ignored"))
        #expect(try OTLPFile.spans(path(cli, "x.jsonl")).count > 0)

        let closed = try freeLocalPort()
        let disabled = try cli.run(
            arguments: ["run", "simple", "--db", ":memory:", "--preset", "prod"],
            environment: ["OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(closed)"])
        #expect(disabled.status == 0, "\(disabled.stderr)")
        #expect(!disabled.stderr.contains("collector") && !disabled.stdout.contains("spool"), "\(disabled.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path(cli, "ecl-otlp-spool")))
    }

    /// A collector that refuses every batch for good: the summary says so, not "0 lost" alone; a token in
    /// the endpoint's query is never shown.
    @Test func theSummarySaysWhatTheCollectorRefused() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let refusing = try LocalHTTPServer(fallback: .respond(status: 400, body: "bad request"))
        let run = try cli.run(arguments: ["run", "simple", "--count", "2", "--db", ":memory:", "--otlp-endpoint", refusing.baseURL + "/?token=SECRET"])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = run.stdoutLines.first { $0.hasPrefix("Spans:") } ?? ""
        #expect(summary.contains(" refused by the collector (kept in the spool's rejected file), 0 lost."), "\(run.stdout)")
        #expect(!run.stdout.contains("SECRET") && !run.stderr.contains("SECRET"), "\(run.stderr)")
    }

    /// `--sample`: a share of workflows kept whole everywhere (console, log database, spans); of the rest only
    /// warnings and errors, unless the workflow fails (keep_failed, on by default): then all of it.
    @Test func logSamplingKeepsAShareOfWorkflowsAndEveryFailure() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        /// Per trace id: the levels of its lines in the log database; and the trace ids of the dump's spans.
        func stored(_ database: String, _ dump: String) throws -> (levels: [String: Set<String>], spans: Set<String>) {
            let rows = try Subprocess.run("/usr/bin/env", [
                "python3", "-c",
                "import sqlite3, sys, json; print(json.dumps(sqlite3.connect(sys.argv[1]).execute('select trace_id, level from log_events where trace_id is not null').fetchall()))",
                path(cli, database),
            ])
            let pairs = try #require(try JSONSerialization.jsonObject(with: Data(rows.output.utf8)) as? [[String]], "\(rows.output)")
            return (Dictionary(grouping: pairs, by: { $0[0] }).mapValues { Set($0.map { $0[1] }) }, Set(try OTLPFile.spans(path(cli, dump)).map { $0[0] }))
        }

        let passing = try cli.run(arguments: [
            "run", "critique-revise", "--count", "40", "--llm-fault-rate", "0.3", "--seed", "2", "--sample", "0.3", "--output", "json",
            "--db", ":memory:", "--log-sql", "sqlite:" + path(cli, "a.db"), "--jsonl-out", path(cli, "a.jsonl"),
        ])
        #expect(passing.status == 0, "\(passing.stderr)")
        let ids = Set(try results(passing).map(Self.hex))
        let kept = ids.filter { UInt64($0.suffix(14), radix: 16)! >= UInt64((1 - 0.3) * 0x1p56) }
        #expect(kept.count > 0 && kept.count < 40)
        let first = try stored("a.db", "a.jsonl")
        #expect(Set(first.levels.filter { $0.value.contains("info") }.keys) == kept)
        #expect(first.spans == kept)
        #expect(first.levels.keys.contains { !kept.contains($0) }, "a sampled-out workflow's warnings are kept")
        // The console follows the same decision.
        let consoleInfo = passing.stderrLines.filter { $0.contains("Workflow execution started") }
        #expect(consoleInfo.count == kept.count, "\(consoleInfo.count) of \(kept.count)")

        // Every workflow fails; none is sampled in, yet each is kept whole, its spans marked sampled.
        let failing = try cli.run(arguments: [
            "run", "--count", "10", "--offline-revisions", "5", "--max-revisions", "1", "--sample", "0", "--output", "json", "--db", ":memory:",
            "--log-sql", "sqlite:" + path(cli, "b.db"), "--jsonl-out", path(cli, "b.jsonl"),
        ])
        #expect(failing.status == 1)
        let failed = Set(try results(failing).map(Self.hex))
        // The summary says sampling was on and what it kept (the JSON summary is the last line).
        let summary = try #require(try JSONSerialization.jsonObject(with: Data((failing.stdoutLines.last ?? "").utf8)) as? [String: Any])
        let sampling = try #require(summary["summary"] as? [String: Any])["sampling"] as? [String: Any]
        #expect(sampling?["ratio"] as? Double == 0 && sampling?["kept_failed"] as? Int == 10, "\(summary)")
        let second = try stored("b.db", "b.jsonl")
        #expect(failed.count == 10 && second.spans == failed && Set(second.levels.filter { $0.value.contains("info") }.keys) == failed)
        #expect(try OTLPFile.spanRecords(path(cli, "b.jsonl")).allSatisfy { $0["flags"] as? Int == 1 })

        // Without keep_failed, a failed workflow sampled out leaves its warnings and errors only.
        let dropped = try cli.run(
            arguments: [
                "run", "--count", "10", "--offline-revisions", "5", "--max-revisions", "1", "--sample", "0", "--output", "json", "--db", ":memory:",
                "--log-sql", "sqlite:" + path(cli, "c.db"), "--jsonl-out", path(cli, "c.jsonl"),
            ],
            environment: ["ECL_SAMPLE_KEEP_FAILED": "false"])
        #expect(dropped.status == 1)
        let third = try stored("c.db", "c.jsonl")
        #expect(third.spans.isEmpty && !third.levels.isEmpty && third.levels.values.allSatisfy { $0.isSubset(of: ["warn", "error", "critical"]) })
    }

    /// OTEL_TRACES_SAMPLER=traceidratio keeps or drops whole workflows (the trace id is the workflow id): a
    /// kept workflow's spans and lines all reach the collector, a dropped one's none but its warnings and
    /// errors. What was logged in all is read from the SQL log database, which sampling does not touch.
    @Test func aRatioSamplerKeepsWholeWorkflowsAndEveryWarning() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let collector = try Collector(directory: cli.directory)
        let database = path(cli, "logs.db")
        let run = try cli.run(
            arguments: [
                "run", "critique-revise", "--count", "200", "--concurrency", "8", "--llm-fault-rate", "0.3", "--seed", "3",
                "--otlp-endpoint", collector.endpoint, "--log-sql", "sqlite:" + database, "--output", "json", "--db", ":memory:",
            ],
            environment: ["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"])
        let received = collector.stop()
        #expect(run.status == 0, "\(run.stderr)")
        let ids = Set(try results(run).map(Self.hex))
        #expect(ids.count == 200)
        // Kept: the id's low 56 bits at or above (1 - 0.5) × 2^56.
        let kept = ids.filter { UInt64($0.suffix(14), radix: 16)! >= 1 << 55 }
        #expect(kept.count > 0 && kept.count < 200, "\(kept.count) of 200")
        #expect(Set(received.spans.map { $0[0] }) == kept)
        let rows = try Subprocess.run("/usr/bin/env", [
            "python3", "-c",
            "import sqlite3, sys, json; print(json.dumps(sqlite3.connect(sys.argv[1]).execute('select coalesce(trace_id, \\'\\'), coalesce(span_id, \\'\\'), level, message from log_events').fetchall()))",
            database,
        ])
        #expect(rows.status == 0, "\(rows.output)")
        let stored = try #require(try JSONSerialization.jsonObject(with: Data(rows.output.utf8)) as? [[String]])
        #expect(stored.contains { !kept.contains($0[0]) && !$0[0].isEmpty && $0[2] == "warn" }, "no warning in a dropped workflow to check")
        let expected = stored.filter { $0[0].isEmpty || kept.contains($0[0]) || ["warn", "error", "critical"].contains($0[2]) }
        #expect(received.logs.map { $0.joined(separator: " ") }.sorted() == expected.map { $0[0...1].joined(separator: " ") + " " + $0[3] }.sorted())
        // Every span a kept workflow's lines were logged in reached the collector.
        let spanKeys = Set(received.spans.map { $0[0] + $0[1] })
        #expect(stored.filter { kept.contains($0[0]) && !$0[1].isEmpty }.allSatisfy { spanKeys.contains($0[0] + $0[1]) })
    }

    @Test func everySpanAndLogReachesARealCollector() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let collector = try Collector(directory: cli.directory)
        let dump = path(cli, "dump.jsonl")
        let run = try cli.run(arguments: [
            "run", "critique-revise", "--count", "50", "--concurrency", "8", "--otlp-endpoint", collector.endpoint,
            "--jsonl-out", dump, "--output", "json",
        ])
        let received = collector.stop()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("not delivered"), "\(run.stderr)")
        let ids = Set(try results(run).map(Self.hex))
        #expect(ids.count == 50)
        let expectedSpans = try OTLPFile.spans(dump)
        let expectedLogs = try OTLPFile.logs(path(cli, "dump-logs.jsonl"))
        #expect(received.spans.count == expectedSpans.count)
        #expect(Set(received.spans.map { $0[0] + $0[1] }) == Set(expectedSpans.map { $0[0] + $0[1] }))
        #expect(received.logs.count == expectedLogs.count)
        #expect(received.spans.allSatisfy { ids.contains($0[0]) })
        #expect(!FileManager.default.fileExists(atPath: path(cli, "ecl-otlp-spool")))
    }

    @Test func anUnreachableCollectorIsSaidOnceAndTheNextRunDeliversTheSpoolExactlyOnce() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let closed = try freeLocalPort()
        let spool = path(cli, "spool")
        let firstDump = path(cli, "first.jsonl")
        // The whole first run with the collector down (nothing listening on its port).
        let first = try cli.run(arguments: [
            "run", "--count", "5", "--otlp-endpoint", "http://127.0.0.1:\(closed)", "--jsonl-out", firstDump, "--spool", spool,
            "--db", ":memory:",
        ])
        #expect(first.status == 0, "\(first.stderr)")
        let warnings = first.stderrLines.filter { $0.contains("warning:") && $0.contains("OTLP") }
        #expect(warnings.count == 1, "\(first.stderr)")
        #expect(warnings.first?.contains("not taking batches") == true && warnings.first?.contains("spooling to \(spool)") == true)
        let firstSpans = try OTLPFile.spans(firstDump)
        #expect(Set(try OTLPFile.spans(spool).map { $0[0] + $0[1] }) == Set(firstSpans.map { $0[0] + $0[1] }))
        #expect(try OTLPFile.logs(spool).count == (try OTLPFile.logs(path(cli, "first-logs.jsonl"))).count)

        // The next run, with the same collector up, delivers the spool and its own spans: each exactly once.
        let collector = try Collector(directory: cli.directory, port: closed)
        let secondDump = path(cli, "second.jsonl")
        let second = try cli.run(arguments: [
            "run", "--count", "3", "--otlp-endpoint", collector.endpoint, "--jsonl-out", secondDump, "--spool", spool, "--db", ":memory:",
        ])
        let received = collector.stop()
        #expect(second.status == 0, "\(second.stderr)")
        let expected = (firstSpans + (try OTLPFile.spans(secondDump))).map { $0[0] + $0[1] }
        #expect(received.spans.map { $0[0] + $0[1] }.sorted() == expected.sorted())
        #expect(received.logs.count == (try OTLPFile.logs(path(cli, "first-logs.jsonl"))).count + (try OTLPFile.logs(path(cli, "second-logs.jsonl"))).count)
        #expect(!FileManager.default.fileExists(atPath: spool), "the drained spool is removed")
    }

    @Test func aRunSendsOnlyWhatWasMeantForItsCollector() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let tenantA = try freeLocalPort()
        let first = try cli.run(arguments: [
            "run", "--count", "2", "--otlp-endpoint", "http://127.0.0.1:\(tenantA)", "--spool", "spool", "--jsonl-out", "a.jsonl",
            "--db", ":memory:",
        ])
        #expect(first.status == 0)
        // Another collector (another tenant, other credentials): it gets this run's spans only, and is told
        // nothing of A's; the run says once that the spool holds batches for someone else.
        let tenantB = try Collector(directory: cli.directory)
        let second = try cli.run(arguments: [
            "run", "--count", "1", "--otlp-endpoint", tenantB.endpoint, "--otlp-header", "Authorization=Bearer tenant-b", "--spool", "spool",
            "--jsonl-out", "b.jsonl", "--db", ":memory:",
        ])
        let received = tenantB.stop()
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderrLines.filter { $0.contains("meant for another collector or database") }.count == 1, "\(second.stderr)")
        #expect(Set(received.spans.map { $0[1] }) == Set(try OTLPFile.spans(path(cli, "b.jsonl")).map { $0[1] }))
        // A's batches still wait, whole.
        #expect(Set(try OTLPFile.spans(path(cli, "spool")).map { $0[1] }) == Set(try OTLPFile.spans(path(cli, "a.jsonl")).map { $0[1] }))
    }

    @Test func replaySendsASpoolOnceAndAFileWithItsBadLinesSkipped() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let closed = try freeLocalPort()
        let dump = path(cli, "dump.jsonl")
        let spool = path(cli, "spool")
        let run = try cli.run(arguments: [
            "run", "--count", "4", "--otlp-endpoint", "http://127.0.0.1:\(closed)", "--jsonl-out", dump, "--spool", spool, "--db", ":memory:",
        ])
        #expect(run.status == 0)
        let spans = try OTLPFile.spans(dump)

        // A collector still down: replay stops at once, exit 1, and the spool is left as it was.
        let down = try cli.run(arguments: ["replay", spool, "--otlp-endpoint", "http://127.0.0.1:\(closed)"])
        #expect(down.status == 1)
        #expect(down.stdout.contains("not sent"))
        #expect(try OTLPFile.spans(spool).count == spans.count)

        let collector = try Collector(directory: cli.directory)
        let replay = try cli.run(arguments: ["replay", spool, "--otlp-endpoint", collector.endpoint])
        #expect(replay.status == 0, "\(replay.stderr)")
        // A spool that was sent is gone: replaying it again sends nothing twice.
        let again = try cli.run(arguments: ["replay", spool, "--otlp-endpoint", collector.endpoint])
        #expect(again.status == 2)

        // A dump is left as it is; a line that is not OTLP is named and skipped.
        let handle = try #require(FileHandle(forWritingAtPath: dump))
        handle.seekToEndOfFile()
        handle.write(Data("this is not otlp\n".utf8))
        try handle.close()
        let fromFile = try cli.run(arguments: ["replay", dump, "--otlp-endpoint", collector.endpoint])
        let received = collector.stop()
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stderr.contains("line "))
        #expect(fromFile.stdout.contains("skipped 1 lines"))
        #expect(received.spans.count == 2 * spans.count)
        #expect(Set(received.spans.map { $0[0] + $0[1] }) == Set(spans.map { $0[0] + $0[1] }))
    }

    @Test func aDefaultSpoolThatCannotBeMadeIsAWarningNotAnError() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        // A file where the default spool would go (as in a read-only working directory, it cannot be made).
        #expect(FileManager.default.createFile(atPath: path(cli, "ecl-otlp-spool"), contents: Data("x".utf8)))
        let collector = try Collector(directory: cli.directory)
        let run = try cli.run(arguments: ["run", "--count", "2", "--otlp-endpoint", collector.endpoint, "--db", ":memory:"])
        let received = collector.stop()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("the default spool") && run.stderr.contains("running without one"), "\(run.stderr)")
        #expect(!received.spans.isEmpty)
    }

    @Test func aLogOutputThatCannotBeWrittenIsSaidOnceCountedAndEndsNonZero() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(arguments: ["run", "--count", "3", "--db", ":memory:"], environment: ["ECL_LOG_OUTPUT": "/dev/full"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderrLines.filter { $0.contains("log output /dev/full cannot be written") }.count == 1, "\(run.stderr)")
        #expect(run.stderrLines.last?.contains("could not be written anywhere") == true, "\(run.stderr)")
    }

    @Test func aDumpToADeviceTakesBothSignalsAndMakesNoFileBesideIt() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(arguments: ["run", "--count", "1", "--jsonl-out", "/dev/null", "--db", ":memory:"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/dev/null-logs"))
    }

    @Test func aFullSpoolIsReportedOnceCountedAndEndsNonZero() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let closed = try freeLocalPort()
        // About 2 MB of spans with no collector, into a spool of 1 MB.
        let run = try cli.run(
            arguments: ["run", "--count", "300", "--otlp-endpoint", "http://127.0.0.1:\(closed)", "--db", ":memory:", "--log-level", "warn"],
            environment: ["ECL_OTLP_SPOOL_MAX_MB": "1"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderrLines.filter { $0.contains("is full") }.count == 1, "\(run.stderr)")
        let last = try #require(run.stderrLines.last)
        #expect(last.contains("could not be written anywhere"), "\(run.stderr)")
        let spool = path(cli, "ecl-otlp-spool")
        #expect(!(try OTLPFile.spans(spool)).isEmpty)
    }

    @Test(arguments: [
        (["run", "--otlp-endpoint", "localhost:4318"], ["--otlp-endpoint", "'localhost:4318'", "http://"]),
        (["run", "--otlp-endpoint", "http://h:1", "--otlp-header", "novalue"], ["--otlp-header", "NAME=VALUE"]),
        (["run", "--otlp-endpoint", "http://user:PASSW0RDX@127.0.0.1:4318"], ["--otlp-endpoint", "http://user:***@127.0.0.1:4318", "without credentials"]),
        (["run", "--otlp-endpoint", "ftp://h:1/?key=SECRETKEY"], ["--otlp-endpoint", "?key=***"]),
        (["run", "--otlp-endpoint", "http://h:1", "--otlp-compression", "zstd"], ["--otlp-compression", "'zstd'", "gzip or none"]),
        (["run", "--otlp-endpoint", "http://h:1", "--spool", "/nonexistent-ecl/spool"], ["--spool", "/nonexistent-ecl/spool", "No such file"]),
        (["run", "--otlp-endpoint", "http://h:1", "--spool", "Package.swift"], ["--spool", "Package.swift", "not a directory"]),
        (["run", "--otlp-endpoint", "http://h:1"], ["ECL_OTLP_SPOOL_MAX_MB", "8796093022208", "1 to 1048576"]),
        (["run", "--otlp-endpoint", "http://h:1"], ["ECL_OTLP_DURABLE", "maybe", "true or false"]),
        (["run", "--otlp-endpoint", "http://h:1"], ["ECL_OTLP_GZIP_LEVEL", "12", "1 (fastest) to 9 (smallest)"]),
        (["run", "--jsonl-out", "/nonexistent-ecl/d.jsonl"], ["--jsonl-out", "/nonexistent-ecl/d.jsonl", "No such file"]),
        (["run", "--otlp-compression", "zstd"], ["--otlp-compression", "'zstd'", "gzip or none"]),
        (["run", "--otlp-header", "novalue"], ["--otlp-header", "NAME=VALUE"]),
        (["run", "--log-sql", "mysql://u@h/db"], ["--log-sql", "mysql://u@h/db"]),
        (["run", "--otlp-endpoint", "http://h:1", "--log-sql", "sqlite:/nonexistent-ecl/logs.db"], ["--log-sql", "/nonexistent-ecl"]),
        (["replay", "missing.jsonl", "--otlp-endpoint", "http://h:1"], ["missing.jsonl", "does not exist"]),
        (["replay", ".", "--otlp-endpoint", "http://h:1"], ["'.'", "no spool segments"]),
        (["replay", "Package.swift", "--otlp-endpoint", "http://h:1"], ["Package.swift", "no OTLP JSON line"]),
        (["replay", "x.jsonl", "--jsonl-out", "y"], ["--jsonl-out"]),
        (["replay", "x.jsonl", "--log-level", "debug"], ["--log-level"]),
        (["replay", "/dev/null", "--otlp-endpoint", "http://h:1"], ["/dev/null", "not a regular file"]),
        (["replay", "missing.jsonl"], ["--otlp-endpoint"]),
        (["run", "--sample", "-1"], ["--sample", "'-1'", "a number from 0 to 1"]),
        (["run", "--sample", "50%"], ["--sample", "'50%'", "a number from 0 to 1"]),
    ])
    func badExportInputStopsBeforeAnyWorkflow(arguments: [String], mentions: [String]) throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        #expect(FileManager.default.createFile(atPath: path(cli, "Package.swift"), contents: Data("not otlp\n".utf8)))
        let limit = arguments.contains("http://h:1") && mentions.first?.hasPrefix("ECL_OTLP_") == true ? [mentions[0]: mentions[1]] : [:]
        let run = try cli.run(arguments: arguments, environment: limit)
        #expect(run.status == 2)
        #expect(run.stderrLines.count == 1, "\(run.stderr)")
        for word in mentions { #expect(run.stderr.contains(word), "missing \(word) in \(run.stderr)") }
        #expect(!run.stderr.contains("PASSW0RDX") && !run.stderr.contains("SECRETKEY"))
        #expect(!FileManager.default.fileExists(atPath: path(cli, "ecl.db")))
        // Nor an empty spool directory.
        #expect(!FileManager.default.fileExists(atPath: path(cli, "ecl-otlp-spool")))
    }
}
