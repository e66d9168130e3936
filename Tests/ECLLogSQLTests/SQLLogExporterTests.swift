import ECLCore
@_spi(Pipeline) import ECLLogSQL
import Foundation
import ECLLogging
import LogLineCore
import GRDB
import Logging
@_spi(Pipeline) import OTLPExporter
import Testing

@Suite struct SQLLogExporterTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-logs-\(UUID()).db").path

    func cleanUp() { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }

    @Test func storeRoundTripsAndFiltersByWorkflowLevelAndTime() throws {
        defer { cleanUp() }
        let store = try SQLiteLogStore(path: path)
        let base = Date(timeIntervalSince1970: 1_764_081_908.25)
        try store.insert([
            StoredLogLine(timestamp: base, level: "info", logger: "a", message: "one", workflowId: "w1", stepId: "s", fields: #"{"k":1}"#, durationMs: 1.5, tokensUsed: 3),
            StoredLogLine(timestamp: base.addingTimeInterval(1), level: "warn", logger: "a", message: "two", workflowId: "w1"),
            StoredLogLine(timestamp: base.addingTimeInterval(2), level: "debug", logger: "a", message: "three", workflowId: "w1"),
            StoredLogLine(timestamp: base, level: "error", logger: "a", message: "other", workflowId: "w2"),
        ])
        let reopened = try SQLiteLogStore(path: path)
        let all = try reopened.events(workflowId: "w1")
        #expect(all.map(\.message) == ["one", "two", "three"])
        #expect(all[0].durationMs == 1.5 && all[0].tokensUsed == 3 && all[0].stepId == "s" && all[0].fields == #"{"k":1}"#)
        #expect(abs(all[0].timestamp.timeIntervalSince(base)) < 0.000_002)
        #expect(try reopened.events(workflowId: "w1", minimumLevel: "warn", since: nil).map(\.message) == ["two"])
        // A level another tool wrote in capitals is still that level.
        try reopened.insert([StoredLogLine(timestamp: base.addingTimeInterval(3), level: "ERROR", logger: "other", message: "caps", workflowId: "w9")])
        #expect(try reopened.events(workflowId: "w9", minimumLevel: "warn", since: nil).map(\.message) == ["caps"])
        #expect(try reopened.events(workflowId: "w1", minimumLevel: nil, since: base.addingTimeInterval(1)).map(\.message) == ["two", "three"])
        #expect(try reopened.deleteEvents(olderThan: base.addingTimeInterval(1)) == 2)
        #expect(try reopened.events(workflowId: "w1").map(\.message) == ["two", "three"])
    }

    @Test func aFileOfTheLastSchemaGetsTheStageColumnsAndKeepsItsRows() throws {
        defer { cleanUp() }
        // A log database as the previous version left it: v1 and v2, one row with the `logger` column.
        let old = try DatabaseQueue(path: path)
        try old.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1_log_events'), ('v2_record_id');
                CREATE TABLE log_events (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT NOT NULL, level TEXT NOT NULL,
                    logger TEXT NOT NULL, message TEXT NOT NULL, workflow_id TEXT, step_id TEXT, trace_id TEXT, span_id TEXT,
                    fields TEXT NOT NULL, duration_ms REAL, tokens_used INTEGER, record_id TEXT);
                CREATE UNIQUE INDEX log_events_record_id ON log_events (record_id);
                INSERT INTO log_events (timestamp, level, logger, message, workflow_id, fields, record_id)
                    VALUES ('2026-11-25T14:45:08.250000Z', 'info', 'old.logger', 'kept', 'w1', '{}', 'r1');
                INSERT INTO log_events (timestamp, level, logger, message, workflow_id, fields, record_id)
                    VALUES ('2026-11-25T14:45:09.000000Z', 'info', 'old.logger', 'deleted by retention', 'w1', '{}', 'r2');
                DELETE FROM log_events WHERE record_id = 'r2';
                -- Rows another tool wrote: a label that is not UTF-8, a duration that is not a number.
                INSERT INTO log_events (timestamp, level, logger, message, workflow_id, fields, duration_ms)
                    VALUES ('2026-11-25T14:45:08.500000Z', 'warn', X'C328', 'odd', 'w1', 'not json', 'fast');
                """)
        }
        try old.close()
        // `logs` opens it read-only, as it is (no migration): the old column is read, odd values do not crash.
        let readOnly = try SQLiteLogStore(path: path, readOnly: true)
        let asLeft = try readOnly.events(workflowId: "w1")
        #expect(asLeft.map { "\($0.logger) \($0.message)" } == ["old.logger kept", "\u{FFFD}( odd"])
        #expect(asLeft[1].durationMs == nil && asLeft[1].fields == "not json" && asLeft[1].logLine().orderedFields.map(\.key) == ["workflow_id"])
        readOnly.close()
        let store = try SQLiteLogStore(path: path)
        #expect(try store.events(workflowId: "w1").map { "\($0.logger) \($0.message)" } == ["old.logger kept", "\u{FFFD}( odd"])
        // The rebuilt table goes on counting where the old one stopped: no id of a deleted row is used again.
        #expect(try store.insert([StoredLogLine(timestamp: Date(), level: "info", logger: "new", message: "after", workflowId: "w1")]) == 1)
        store.close()
        let check = try DatabaseQueue(path: path)
        let columns = try check.read { db in try Row.fetchAll(db, sql: "PRAGMA table_info(log_events)").map { "\($0["name"] as String) \(($0["dflt_value"] as String?) ?? "-")" } }
        #expect(columns.contains("target -") && !columns.contains { $0.hasPrefix("logger ") })
        #expect(columns.contains { $0.hasPrefix("timestamp ") && $0.contains("strftime(") })
        // A row written by another tool without a time gets the current one; the indexes survived the rebuild.
        let stamped = try check.write { db -> String in
            try db.execute(sql: "INSERT INTO log_events (level, target, message) VALUES ('info', 'sqlite3', 'by hand')")
            return try String.fetchOne(db, sql: "SELECT timestamp FROM log_events WHERE target = 'sqlite3'")!
        }
        #expect(stamped.hasPrefix(String(UTCTimestamp.format(Date()).prefix(10))) && stamped.hasSuffix("Z"))
        let indexes = try check.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'log_events' AND name NOT LIKE 'sqlite_%' ORDER BY 1") }
        #expect(indexes == ["log_events_level", "log_events_record_id", "log_events_timestamp", "log_events_workflow_id"])
        #expect(try check.read { db in try Int.fetchOne(db, sql: "SELECT id FROM log_events WHERE message = 'after'") } == 4)
        try check.close()
    }

    @Test func writerBatchesAndShutdownWritesEverything() throws {
        defer { cleanUp() }
        let store = try SQLiteLogStore(path: path)
        let writer = SQLLogWriter(store: store, bufferSize: 100, synchronous: false, report: { _ in })
        for index in 0..<1050 { writer.add(StoredLogLine(timestamp: Date(), level: "info", logger: "l", message: "\(index)", workflowId: "w")) }
        writer.shutdown()
        #expect(writer.writtenCount == 1050)
        #expect(try store.events(workflowId: "w").map(\.message) == (0..<1050).map(String.init))
    }

    @Test func theDatabaseFileAloneHoldsEveryRowOnceTheWriterIsDone() throws {
        defer { cleanUp() }
        let copy = path + "-copy.db"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let store = try SQLiteLogStore(path: path)
        let writer = SQLLogWriter(store: store, bufferSize: 100, synchronous: false, report: { _ in })
        for index in 0..<500 { writer.add(StoredLogLine(timestamp: Date(), level: "info", logger: "l", message: "\(index)", workflowId: "w")) }
        writer.shutdown()
        // Copy the .db alone, as a user would, without its -wal file.
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        #expect(try SQLiteLogStore(path: copy).events(workflowId: "w").count == 500)
    }

    @Test func eventsKeptNowhereAreCounted() throws {
        let writer = SQLLogWriter(
            store: UnavailableLogStore(location: "nowhere", reason: "down"), bufferSize: 10, synchronous: false, report: { _ in })
        for index in 0..<25 { writer.add(StoredLogLine(timestamp: Date(), level: "info", logger: "l", message: "\(index)")) }
        writer.shutdown()
        #expect(writer.lostCount == 25)
        #expect(writer.writtenCount == 0)
    }

    @Test func anEventStoredTwiceIsOneRow() throws {
        defer { cleanUp() }
        let store = try SQLiteLogStore(path: path)
        let events = (0..<3).map { StoredLogLine(timestamp: Date(timeIntervalSince1970: 1_764_081_908 + Double($0)), level: "info", logger: "l", message: "m", workflowId: "w") }
        #expect(try store.insert(events) == 3)
        #expect(try store.insert(events + [StoredLogLine(timestamp: Date(timeIntervalSince1970: 1), level: "info", logger: "l", message: "new", workflowId: "w")]) == 1)
        #expect(try store.events(workflowId: "w").count == 4)
    }

    @Test func anyProducersOTLPLogsAreRead() throws {
        // As the OTLP/JSON mapping allows: 64-bit integers as numbers, upper-case hex ids, a kvlist, bytes, an
        // array, a kvlist body, and no timeUnixNano (the observed time stands in).
        let line = #"""
            {"resourceLogs":[{"scopeLogs":[{"scope":{"name":"foreign"},"logRecords":[{"observedTimeUnixNano":1764081908250000000,
            "severityNumber":13,"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
            "body":{"kvlistValue":{"values":[{"key":"a","value":{"intValue":1}}]}},
            "attributes":[{"key":"workflow_id","value":{"stringValue":"w9"}},{"key":"tokens_used","value":{"intValue":42}},
            {"key":"map","value":{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}}},
            {"key":"raw","value":{"bytesValue":"AQID"}},{"key":"list","value":{"arrayValue":{"values":[{"intValue":"7"},{"doubleValue":1.5}]}}}]}]}]}]}
            """#.replacingOccurrences(of: "\n", with: "")
        let events = try #require(StoredLogLineOTLP.events(fromLogsData: Array(line.utf8)))
        #expect(events.count == 1)
        let event = events[0]
        #expect(event.timestamp == Date(timeIntervalSince1970: 1_764_081_908.25))
        #expect(event.level == "warn" && event.logger == "foreign" && event.message == #"{"a":1}"#)
        #expect(event.traceId == "5b8efff798038103d269b633813fc60c" && event.spanId == "eee19b7ec3c1b174")
        #expect(event.workflowId == "w9" && event.tokensUsed == 42)
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(event.fields.utf8)) as? [String: Any])
        #expect((fields["map"] as? [String: String]) == ["k": "v"])
        #expect(fields["raw"] as? String == "AQID")
        #expect((fields["list"] as? [NSNumber])?.map(\.doubleValue) == [7, 1.5])
        // An empty AnyValue is no field; a bytes body is its base64 text; no body is an empty message; no
        // severity number, the text decides; a trace id without a span id is kept as it came.
        let odd = #"""
            {"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"5","severityText":"FATAL","traceId":"5B8EFFF798038103D269B633813FC60C",
            "body":{"bytesValue":"AQID"},"attributes":[{"key":"empty","value":{}},{"key":"k","value":{"stringValue":"v"}}]},
            {"timeUnixNano":"6","severityNumber":9}]}]}]}
            """#.replacingOccurrences(of: "\n", with: "")
        let others = try #require(StoredLogLineOTLP.events(fromLogsData: Array(odd.utf8)))
        #expect(others.map(\.message) == ["AQID", ""])
        #expect(others.map(\.level) == ["critical", "info"])
        #expect(others[0].fields == #"{"k":"v"}"# && others[0].traceId == "5b8efff798038103d269b633813fc60c" && others[0].spanId == nil)
        #expect(StoredLogLineOTLP.events(fromLogsData: Array("[1]".utf8)) == nil)
    }

    @Test func aLineStoredLiveAndLoadedFromItsOTLPCopyIsOneRow() throws {
        // Keys that sort differently by bytes and by Foundation's rules, a slash, a whole double, a separator
        // character, nested values, a span, a source location (which the OTLP copy carries and rows do not).
        let line = LogLine(
            timeUnixNano: 1_764_081_908_123_456_789, level: .notice, label: "ECLCore.Executor", message: "a/b \u{2028} done",
            fields: [
                "userID": "u/1", "user_id": "x", "k10": .stringConvertible(10), "k9": .stringConvertible(3.0), "ok": .stringConvertible(true),
                "map": .dictionary(["B": "1", "a": .array([.stringConvertible(1.5), "\u{2028}"])]),
                "workflow_id": "3f2b8c1e-1234-4abc-9def-00112233aabb", "step_id": "generate", "duration_ms": .stringConvertible(0.05),
                "tokens_used": .stringConvertible(12),
            ],
            file: "ECLCore/StepExecutor.swift", line: 42,
            trace: LogTraceContext(traceIDHigh: 0x3f2b_8c1e_1234_4abc, traceIDLow: 0x9def_0011_2233_aabb, spanID: 0xb7ad_6b71_6920_3331),
            order: ECLLoggingSystem.fieldOrder)
        let live = StoredLogLine(line)
        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "ecl"))
        let loaded = try #require(StoredLogLineOTLP.events(fromLogsData: encoder.encode(logs: [line]))?.first)
        #expect(loaded == live)
        #expect(loaded.recordID == live.recordID)
        #expect(live.level == "notice" && live.spanId == "b7ad6b7169203331" && live.durationMs == 0.05 && live.tokensUsed == 12)
        // And through the database: the second load adds nothing.
        defer { cleanUp() }
        let store = try SQLiteLogStore(path: path)
        #expect(try store.insert([live]) == 1)
        #expect(try store.insert([loaded]) == 0)
    }

    @Test func aRowReadBackKeepsItsNumbersAndItsIdentity() throws {
        // A whole double stays a double, an integer of 64 bits stays whole, an upper-case UUID is stored in the
        // lower case `logs --workflow-id` looks for.
        let line = LogLine(
            timeUnixNano: 1_764_081_908_000_000_000, level: .info, label: "l", message: "m",
            fields: [
                "ratio": .stringConvertible(5.0), "big": .stringConvertible(Int.max), "huge": .stringConvertible(UInt64.max),
                "one": .stringConvertible(1), "zero": .stringConvertible(0), "yes": .stringConvertible(true), "no": .stringConvertible(false),
                "workflow_id": "3F2B8C1E-1234-4ABC-9DEF-00112233AABB",
            ])
        let row = StoredLogLine(line)
        #expect(row.workflowId == "3f2b8c1e-1234-4abc-9def-00112233aabb" && row.traceId == "3f2b8c1e12344abc9def00112233aabb")
        #expect(row.fields.contains(#""ratio":5.0"#) && row.fields.contains(#""big":9223372036854775807"#))
        let again = StoredLogLine(row.logLine())
        #expect(again.fields == row.fields && again.recordID == row.recordID)
        #expect(row.fields.contains(#""one":1"#) && row.fields.contains(#""zero":0"#) && row.fields.contains(#""yes":true"#))
        // Another producer's id that is not a UUID makes no trace id.
        let foreign = StoredLogLine(LogLine(timeUnixNano: 1, level: .info, label: "l", message: "m", fields: ["workflow_id": "job-7"]))
        #expect(foreign.workflowId == "job-7" && foreign.traceId == nil)
    }

    @Test func synchronousModeWritesAtOnce() throws {
        defer { cleanUp() }
        let store = try SQLiteLogStore(path: path)
        let writer = SQLLogWriter(store: store, bufferSize: 100, synchronous: true, report: { _ in })
        writer.add(StoredLogLine(timestamp: Date(), level: "info", logger: "l", message: "now", workflowId: "w"))
        #expect(try store.events(workflowId: "w").count == 1)
    }

    @Test func handlerStoresFieldsAndCorrelation() async throws {
        defer { cleanUp() }
        let store = try SQLiteLogStore(path: path)
        let writer = SQLLogWriter(store: store, bufferSize: 10, synchronous: true, report: { _ in })
        let logger = Logger(label: "ECLCore.Executor") { label in
            LogLineHandler(
                label: label, level: .info, outputs: [writer], order: ECLLoggingSystem.fieldOrder,
                metadataProvider: Correlation.metadataProvider, traceContext: OTLPLogOutput.currentTraceContext)
        }
        let id = WorkflowId()
        await WorkflowSpan(workflowId: id, name: "w").run { _ in
            await StepSpan(workflowId: id, stepId: "generate", name: "Generate").run { _ in
                logger.info("Step succeeded", metadata: ["duration_ms": .stringConvertible(12.5), "tokens_used": .stringConvertible(40)])
            }
        }
        logger.debug("below the level")
        let events = try store.events(workflowId: id.description)
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.level == "info" && event.logger == "ECLCore.Executor" && event.stepId == "generate")
        #expect(event.traceId == id.description.replacingOccurrences(of: "-", with: ""))
        #expect(event.durationMs == 12.5 && event.tokensUsed == 40)
        let fields = try JSONSerialization.jsonObject(with: Data(event.fields.utf8)) as? [String: Any]
        #expect(fields?["attempt"] as? Int == 1)
    }

    @Test func urlsAreCheckedAndPasswordsHidden() throws {
        #expect(try SQLLogDestination.parse("sqlite:logs.db", source: "--log-sql") == .sqlite(path: "logs.db"))
        #expect(throws: ECLError.self) { try SQLLogDestination.parse("sqlite:", source: "--log-sql") }
        for bad in ["mysql://ecl:hunter2@db/logs", "postgres://ecl:hunter2@db/logs?sslmode=maybe", "postgres://:hunter2@db/logs",
                    "postgres://ecl:hunter2@/logs", "postgres://ecl:hunter2@db/logs?pool=3", "postgres://ecl:hunter2@db:99999/logs"] {
            do {
                _ = try SQLLogDestination.parse(bad, source: "ECL_LOG_SQL_URL")
                Issue.record("accepted \(bad)")
            } catch {
                #expect("\(error)".contains("ECL_LOG_SQL_URL") && "\(error)".contains("postgres://USER") && !"\(error)".contains("hunter2"), "\(error)")
            }
        }
        #expect(SQLLogDestination.redactingPassword("http://a@b") == "http://a@b")
        #expect(SQLLogDestination.redactingPassword("postgres://u:p@ss@h/d") == "postgres://u:***@h/d")
    }

    @Test func postgresURLsTakeLibpqDefaults() throws {
        let full = try PostgresURL(parsing: "postgresql://ecl:s%40cret@db.local:6543/logs?sslmode=require", source: "--log-sql")
        #expect(full.host == "db.local" && full.port == 6543 && full.user == "ecl" && full.database == "logs")
        #expect(full.password == "s@cret" && full.sslMode == .require && full.redacted == "postgresql://ecl:***@db.local:6543/logs?sslmode=require")
        let bare = try PostgresURL(parsing: "postgres://ecl@127.0.0.1", source: "--log-sql", environment: ["PGPASSWORD": "from-env"])
        #expect(bare.port == 5432 && bare.database == "ecl" && bare.password == "from-env" && bare.sslMode == .prefer)
    }

    @Test func eventsTheDatabaseCannotTakeWaitInTheSpoolAndGoInWhenItIsBack() throws {
        defer { cleanUp() }
        let spoolPath = path + ".spool"
        let laterPath = path + ".later.db"
        defer {
            try? FileManager.default.removeItem(atPath: spoolPath)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: laterPath + suffix) }
        }
        let store = try SQLiteLogStore(path: path)
        // Another connection drops the table: every insert now fails.
        try DatabaseQueue(path: path).write { try $0.execute(sql: "DROP TABLE log_events") }
        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "ecl"))
        let spool = { try Spool(directory: spoolPath, signal: .logs, prefix: SQLLogWriter.spoolPrefix) }
        let warnings = Mutex<[String]>([])
        let writer = SQLLogWriter(
            store: store, bufferSize: 10, synchronous: false, spool: try spool(),
            encode: { StoredLogLineOTLP.encode($0, encoder: encoder) }, report: { line in warnings.withLock { $0.append(line) } })
        let base = Date(timeIntervalSince1970: 1_764_081_908.5)
        let events = (0..<25).map { index in
            StoredLogLine(
                timestamp: base.addingTimeInterval(Double(index)), level: index % 5 == 0 ? "warn" : "info", logger: "ECLCore.Executor",
                message: "line \(index)", workflowId: "w1", stepId: "generate", traceId: "3f2b8c1e12344abc9def00112233aabb",
                spanId: "b7ad6b7169203331", fields: #"{"attempt":2,"duration_ms":1.5,"step_id":"generate","tokens_used":7,"workflow_id":"w1"}"#,
                durationMs: 1.5, tokensUsed: 7)
        }
        for event in events { writer.add(event) }
        writer.shutdown()
        #expect(writer.writtenCount == 0 && writer.lostCount == 0)
        #expect(warnings.withLock { $0 }.filter { $0.contains("is not taking batches") && $0.contains(spoolPath) }.count == 1)

        // The spooled lines are OTLP LogsData (valid for a collector) holding every event.
        #expect(try sqlSpooledEvents(spoolPath).map(\.message) == events.map(\.message))

        // A database that answers: the next writer on the same spool writes them in by itself, in order.
        let later = try SQLiteLogStore(path: laterPath)
        let next = SQLLogWriter(store: later, bufferSize: 10, synchronous: false, spool: try spool(), encode: { StoredLogLineOTLP.encode($0, encoder: encoder) }, report: { _ in })
        next.shutdown()
        let back = try later.events(workflowId: "w1")
        #expect(back.map(\.message) == events.map(\.message))
        #expect(back.map(\.level) == events.map(\.level))
        #expect(back[3].durationMs == 1.5 && back[3].tokensUsed == 7 && back[3].stepId == "generate")
        #expect(back[3].traceId == "3f2b8c1e12344abc9def00112233aabb" && back[3].spanId == "b7ad6b7169203331")
        #expect(abs(back[3].timestamp.timeIntervalSince(events[3].timestamp)) < 0.001)
        #expect(try sqlSpooledEvents(spoolPath).isEmpty)
    }
}

import Synchronization

/// The log events waiting in a spool's `sql-logs` segments, oldest first.
func sqlSpooledEvents(_ directory: String) throws -> [ECLLogSQL.StoredLogLine] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("sql-logs-") && $0.hasSuffix(".jsonl") }
    return try names.sorted().flatMap { name in
        try String(contentsOfFile: directory + "/" + name, encoding: .utf8).split(separator: "\n")
            .compactMap { StoredLogLineOTLP.events(fromLogsData: Array($0.utf8)) }.flatMap { $0 }
    }
}
