import ECLCore
import ECLLogSQL
import Foundation
import Logging
import Testing

@Suite struct SQLLogExporterTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-logs-\(UUID()).db").path

    func cleanUp() { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }

    @Test func storeRoundTripsAndFiltersByWorkflowLevelAndTime() throws {
        defer { cleanUp() }
        let store = try SQLiteLogStore(path: path)
        let base = Date(timeIntervalSince1970: 1_764_081_908.25)
        try store.insert([
            LogEvent(timestamp: base, level: "info", logger: "a", message: "one", workflowId: "w1", stepId: "s", fields: #"{"k":1}"#, durationMs: 1.5, tokensUsed: 3),
            LogEvent(timestamp: base.addingTimeInterval(1), level: "warn", logger: "a", message: "two", workflowId: "w1"),
            LogEvent(timestamp: base.addingTimeInterval(2), level: "debug", logger: "a", message: "three", workflowId: "w1"),
            LogEvent(timestamp: base, level: "error", logger: "a", message: "other", workflowId: "w2"),
        ])
        let reopened = try SQLiteLogStore(path: path)
        let all = try reopened.events(workflowId: "w1")
        #expect(all.map(\.message) == ["one", "two", "three"])
        #expect(all[0].durationMs == 1.5 && all[0].tokensUsed == 3 && all[0].stepId == "s" && all[0].fields == #"{"k":1}"#)
        #expect(abs(all[0].timestamp.timeIntervalSince(base)) < 0.000_002)
        #expect(try reopened.events(workflowId: "w1", minimumLevel: "warn").map(\.message) == ["two"])
        #expect(try reopened.events(workflowId: "w1", since: base.addingTimeInterval(1)).map(\.message) == ["two", "three"])
    }

    @Test func writerBatchesAndShutdownWritesEverything() throws {
        defer { cleanUp() }
        let store = try SQLiteLogStore(path: path)
        let writer = SQLLogWriter(store: store, bufferSize: 100, synchronous: false, report: { _ in })
        for index in 0..<1050 { writer.add(LogEvent(timestamp: Date(), level: "info", logger: "l", message: "\(index)", workflowId: "w")) }
        writer.shutdown()
        #expect(writer.writtenCount == 1050)
        #expect(try store.events(workflowId: "w").map(\.message) == (0..<1050).map(String.init))
    }

    @Test func synchronousModeWritesAtOnce() throws {
        defer { cleanUp() }
        let store = try SQLiteLogStore(path: path)
        let writer = SQLLogWriter(store: store, bufferSize: 100, synchronous: true, report: { _ in })
        writer.add(LogEvent(timestamp: Date(), level: "info", logger: "l", message: "now", workflowId: "w"))
        #expect(try store.events(workflowId: "w").count == 1)
    }

    @Test func handlerStoresFieldsAndCorrelation() async throws {
        defer { cleanUp() }
        let store = try SQLiteLogStore(path: path)
        let writer = SQLLogWriter(store: store, bufferSize: 10, synchronous: true, report: { _ in })
        let logger = Logger(label: "ECLCore.Executor") { label in
            SQLLogHandler(label: label, level: .info, writer: writer, metadataProvider: Correlation.metadataProvider)
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
        do {
            _ = try SQLLogDestination.parse("postgres://ecl:hunter2@db/logs", source: "ECL_LOG_SQL_URL")
            Issue.record("accepted postgres")
        } catch {
            #expect("\(error)".contains("ECL_LOG_SQL_URL") && "\(error)".contains("ecl:***@db") && !"\(error)".contains("hunter2"))
        }
        #expect(SQLLogDestination.redactingPassword("http://a@b") == "http://a@b")
    }
}
