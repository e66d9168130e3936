import ECLCore
@_spi(Pipeline) import ECLLogSQL
import Foundation
@_spi(Pipeline) import OTLPExporter
import Synchronization
import TestSupport
import Testing

#if PostgreSQL
/// The PostgreSQL engine against a real server on 127.0.0.1 (Debian's postgresql, started by the tests).
@Suite(.enabled(if: LocalPostgres.isInstalled, "PostgreSQL server binaries are not installed (make test installs them)"))
struct PostgresLogStoreTests {
    static let w1 = "3f2b8c1e-1234-4abc-9def-00112233aabb"
    static let w2 = "0f2b8c1e-1234-4abc-9def-00112233aabb"

    func event(_ index: Int, workflow: String = w1, at base: Date = Date(timeIntervalSince1970: 1_764_081_908.25)) -> StoredLogLine {
        StoredLogLine(
            timestamp: base.addingTimeInterval(Double(index) / 1000), level: index % 5 == 0 ? "warn" : "info", logger: "ECLCore.Executor",
            message: "line \(index)", workflowId: workflow, stepId: "generate", traceId: "3f2b8c1e12344abc9def00112233aabb",
            spanId: "b7ad6b7169203331", fields: #"{"attempt":2,"k":"v"}"#, durationMs: 1.5, tokensUsed: index)
    }

    @Test func storeMigratesOnceRoundTripsAndFilters() throws {
        let server = try LocalPostgres.shared()
        let url = try PostgresURL(parsing: try server.freshDatabase(), source: "test")
        let store = try PostgresLogStore(url: url)
        let base = Date(timeIntervalSince1970: 1_764_081_908.123456)
        try store.insert([
            StoredLogLine(timestamp: base, level: "info", logger: "a", message: "one", workflowId: Self.w1, stepId: "s", fields: #"{"k":1}"#, durationMs: 1.5, tokensUsed: 3),
            StoredLogLine(timestamp: base.addingTimeInterval(1), level: "warn", logger: "a", message: "two", workflowId: Self.w1),
            StoredLogLine(timestamp: base.addingTimeInterval(2), level: "debug", logger: "a", message: "three", workflowId: Self.w1),
            StoredLogLine(timestamp: base, level: "error", logger: "a", message: "other", workflowId: Self.w2),
            // Another producer's id that is not a UUID: the column stays empty, the fields keep it.
            StoredLogLine(timestamp: base, level: "info", logger: "b", message: "foreign", workflowId: "job-7", fields: #"{"workflow_id":"job-7"}"#),
        ])
        store.close()
        // Opened again (and a second time at once): the migrations are not run twice.
        let reopened = try PostgresLogStore(url: url)
        _ = try PostgresLogStore(url: url)
        let database = url.redactedForTest(server)
        #expect(try server.query(database, "SELECT count(*) FROM ecl_log_migrations") == "3")
        // The stage design's columns: target, a UUID workflow id, a time that defaults to now().
        #expect(try server.query(database, """
            SELECT column_name || ' ' || data_type || ' ' || coalesce(column_default, '-') FROM information_schema.columns
            WHERE table_name = 'log_events' AND column_name IN ('target', 'workflow_id', 'timestamp') ORDER BY 1
            """) == "target text -\ntimestamp timestamp with time zone now()\nworkflow_id uuid -")
        #expect(try server.query(database, "SELECT count(*) FROM log_events WHERE workflow_id IS NULL AND fields->>'workflow_id' = 'job-7'") == "1")
        #expect(try server.query(database, "INSERT INTO log_events (level, target, message, fields) VALUES ('info', 'psql', 'by hand', '{}') RETURNING timestamp > now() - interval '1 minute'") == "t")
        #expect(try server.query(url.redactedForTest(server), "SELECT indexname FROM pg_indexes WHERE tablename = 'log_events' ORDER BY 1")
            == "log_events_level\nlog_events_pkey\nlog_events_record_id\nlog_events_timestamp\nlog_events_workflow_id")
        let all = try reopened.events(workflowId: Self.w1)
        #expect(all.map(\.message) == ["one", "two", "three"])
        #expect(all[0].workflowId == Self.w1 && all[0].logger == "a")
        #expect(all[0].durationMs == 1.5 && all[0].tokensUsed == 3 && all[0].stepId == "s" && all[0].fields == #"{"k": 1}"#)
        #expect(abs(all[0].timestamp.timeIntervalSince(base)) < 0.000_002)
        #expect(try reopened.events(workflowId: Self.w1, minimumLevel: "warn", since: nil).map(\.message) == ["two"])
        #expect(try reopened.events(workflowId: Self.w1, minimumLevel: nil, since: base.addingTimeInterval(1)).map(\.message) == ["two", "three"])
        #expect(try reopened.events(workflowId: "nobody").isEmpty)
        #expect(try reopened.events(workflowId: "job-7").isEmpty)
        #expect(try reopened.deleteEvents(olderThan: base.addingTimeInterval(1)) == 3)
        #expect(try reopened.events(workflowId: Self.w1).map(\.message) == ["two", "three"])
    }

    @Test func aDatabaseOfTheLastSchemaKeepsAnIdThatIsNotAUUIDInItsFields() throws {
        let server = try LocalPostgres.shared()
        let url = try PostgresURL(parsing: try server.freshDatabase(), source: "test")
        let database = url.redactedForTest(server)
        // As the previous version left it: v1 and v2 applied, workflow_id as text.
        try server.query(database, """
            CREATE TABLE ecl_log_migrations (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
            INSERT INTO ecl_log_migrations (id) VALUES ('v1_log_events'), ('v2_record_id');
            CREATE TABLE log_events (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, timestamp TIMESTAMPTZ NOT NULL,
                level TEXT NOT NULL, logger TEXT NOT NULL, message TEXT NOT NULL, workflow_id TEXT, step_id TEXT, trace_id TEXT,
                span_id TEXT, fields JSONB NOT NULL, duration_ms DOUBLE PRECISION, tokens_used BIGINT, record_id TEXT);
            INSERT INTO log_events (timestamp, level, logger, message, workflow_id, fields) VALUES
                (now(), 'info', 'a', 'ours', '\(Self.w1)', '{}'), (now(), 'info', 'b', 'theirs', 'job-7', '{"k":1}');
            """)
        let store = try PostgresLogStore(url: url)
        #expect(try store.events(workflowId: Self.w1).map { "\($0.logger) \($0.message)" } == ["a ours"])
        #expect(try server.query(database, "SELECT fields->>'workflow_id' || ' ' || (workflow_id IS NULL)::text FROM log_events WHERE message = 'theirs'") == "job-7 true")
        store.close()
    }

    @Test func largeBatchesSpanSeveralStatementsInOneTransaction() throws {
        let server = try LocalPostgres.shared()
        let store = try PostgresLogStore(url: try PostgresURL(parsing: try server.freshDatabase(), source: "test"))
        let events = (0..<12_000).map { event($0) }
        #expect(try store.insert(events) == 12_000)
        let back = try store.events(workflowId: Self.w1)
        #expect(back.count == 12_000)
        #expect(back.map(\.tokensUsed) == events.map(\.tokensUsed))
        // The same events again (a replayed dump) add no row.
        #expect(try store.insert(events) == 0)
        #expect(try store.events(workflowId: Self.w1).count == 12_000)
    }

    @Test func aWrongPasswordOrNoServerIsOneLineWithoutThePassword() throws {
        let server = try LocalPostgres.shared()
        let wrong = server.url.replacingOccurrences(of: server.password, with: "hunter2")
        do {
            _ = try SQLLogDestination.parse(wrong, source: "--log-sql").open()
            Issue.record("a wrong password was accepted")
        } catch {
            let text = error.plainMessage
            #expect(text.contains("password authentication failed") && text.contains("ecl:***@127.0.0.1"), "\(text)")
            #expect(!text.contains("hunter2") && !text.contains("\n"))
        }
        let nobody = "postgres://ecl:hunter2@127.0.0.1:\(try freeLocalPort())/postgres?sslmode=disable"
        do {
            _ = try SQLLogDestination.parse(nobody, source: "--log-sql").open()
            Issue.record("a closed port was accepted")
        } catch {
            #expect(error.plainMessage.contains("cannot connect to 'postgres://ecl:***@127.0.0.1:") && error.plainMessage.hasSuffix("connection refused (no server listening there)"), "\(error)")
            #expect(!error.plainMessage.contains("hunter2"))
        }
    }

    /// A server stopped mid-run: the writer never blocks, what it could not write waits in the spool, and
    /// after a restart the next writer on that spool (the store reconnecting) writes it in by itself:
    /// nothing lost, in order.
    @Test func aServerStoppedMidRunLosesNothing() throws {
        let server = try LocalPostgres()
        defer {
            server.stop(mode: "immediate")
            server.remove()
        }
        let url = try PostgresURL(parsing: server.url, source: "test")
        let store = try PostgresLogStore(url: url)
        let spoolPath = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-pg-spool-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: spoolPath) }
        let spool = { try Spool(directory: spoolPath, signal: .logs, prefix: SQLLogWriter.spoolPrefix) }
        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "ecl"))
        let warnings = Mutex<[String]>([])
        let writer = SQLLogWriter(
            store: store, bufferSize: 50, synchronous: false, spool: try spool(),
            encode: { StoredLogLineOTLP.encode($0, encoder: encoder) }, report: { line in warnings.withLock { $0.append(line) } })
        let events = (0..<1000).map { event($0) }
        for event in events[..<500] { writer.add(event) }
        let deadline = Date().addingTimeInterval(120)
        while writer.writtenCount < 500, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        try #require(writer.writtenCount == 500, "the first 500 lines were written before the server stops")
        server.stop(mode: "immediate")
        for event in events[500...] { writer.add(event) }
        writer.shutdown()
        #expect(writer.writtenCount == 500 && writer.lostCount == 0)
        #expect(warnings.withLock { $0 }.contains { $0.contains("is not taking batches") && $0.contains(spoolPath) })
        #expect(try sqlSpooledEvents(spoolPath).map(\.message) == events[500...].map(\.message))

        try server.restart()
        let next = SQLLogWriter(
            store: store, bufferSize: 50, synchronous: false, spool: try spool(), encode: { StoredLogLineOTLP.encode($0, encoder: encoder) },
            report: { _ in })
        next.shutdown()
        #expect(try store.events(workflowId: Self.w1).map(\.message) == events.map(\.message))
        #expect(try sqlSpooledEvents(spoolPath).isEmpty)
    }
}

extension PostgresURL {
    /// The URL psql takes (the test server's password included).
    func redactedForTest(_ server: LocalPostgres) -> String {
        "postgres://\(user):\(server.password)@\(host):\(port)/\(database)?sslmode=disable"
    }
}
#else
@Suite struct PostgresNotBuiltTests {
    @Test func aPostgresURLSaysHowToGetTheEngine() throws {
        let destination = try SQLLogDestination.parse("postgres://ecl:hunter2@127.0.0.1/logs", source: "--log-sql")
        #expect(throws: ECLError.self) { try destination.open() }
        do { _ = try destination.open() } catch {
            #expect(error.plainMessage.contains("--traits PostgreSQL") && !error.plainMessage.contains("hunter2"))
        }
    }
}
#endif
