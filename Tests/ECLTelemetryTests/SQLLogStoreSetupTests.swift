import ECLCore
@_spi(Pipeline) import ECLLogSQL
import ECLLogging
import Foundation
@_spi(Pipeline) import OTLPExporter
import Synchronization
import TestSupport
import Testing

@testable import ECLTelemetry

/// Who named the SQL log database decides what a database that cannot be opened means at start-up.
@Suite struct SQLLogStoreSetupTests {
    /// A URL nothing answers: a free port on 127.0.0.1, or a SQLite path in a folder that does not exist.
    func unreachable() throws -> [String] {
        ["postgres://ecl:hunter2@127.0.0.1:\(try freeLocalPort())/logs?sslmode=disable", "sqlite:/nonexistent-\(UUID())/logs.db"]
    }

    @Test func aDatabaseTheUserNamedIsAnErrorWhenItCannotBeOpened() throws {
        for url in try unreachable() {
            var options = TelemetryOptions()
            options.sqlURLSource = "--log-sql"
            do {
                _ = try Telemetry.openLogStore(SQLExporterConfig(databaseURL: url), options: options, environment: [:], report: { _ in })
                Issue.record("\(url) was opened")
            } catch {
                #expect(error.plainMessage.hasPrefix("--log-sql: ") && !error.plainMessage.contains("hunter2"), "\(error)")
            }
        }
    }

    @Test func aDatabaseAPresetNamedIsAWarningAndEventsGoToTheSpool() throws {
        for url in try unreachable() {
            var options = TelemetryOptions()
            options.sqlURLSource = "the prod preset's SQL log exporter"
            options.sqlURLFromPreset = true
            let warnings = Mutex<[String]>([])
            let store = try Telemetry.openLogStore(
                SQLExporterConfig(databaseURL: url), options: options, environment: [:], report: { line in warnings.withLock { $0.append(line) } })
            let lines = warnings.withLock { $0 }
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix("the prod preset's SQL log exporter: ") == true && lines.first?.hasSuffix("log events go to the spool") == true)
            #expect(!(lines.first ?? "").contains("hunter2"))

            // Every batch then fails, so the writer puts it in the spool.
            let spoolPath = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-preset-spool-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: spoolPath) }
            let writer = SQLLogWriter(
                store: store, bufferSize: 10, synchronous: false,
                spool: try Spool(directory: spoolPath, signal: .logs, prefix: SQLLogWriter.spoolPrefix),
                encode: { StoredLogLineOTLP.encode($0, encoder: OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "ecl"))) },
                report: { _ in })
            for index in 0..<25 { writer.add(StoredLogLine(timestamp: Date(), level: "info", logger: "l", message: "\(index)", workflowId: "w")) }
            writer.shutdown()
            let names = try FileManager.default.contentsOfDirectory(atPath: spoolPath).filter { $0.hasPrefix("sql-logs-") }.sorted()
            let saved = try names.flatMap { try String(contentsOfFile: spoolPath + "/" + $0, encoding: .utf8).split(separator: "\n") }
                .compactMap { StoredLogLineOTLP.events(fromLogsData: Array($0.utf8)) }.flatMap { $0 }
            #expect(saved.map(\.message) == (0..<25).map(String.init))
        }
    }
}
