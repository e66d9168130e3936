import Foundation
import OTLPExporter
import Testing

@Suite struct BatchProcessorTests {
    let warnings = Warnings()

    func processor(
        _ exporters: [any BatchExporter], fallback: JSONLFile?, queue: Int = 2048, batch: Int = 512, delay: Double = 60
    ) -> BatchProcessor<Int> {
        BatchProcessor<Int>(
            signal: .traces, configuration: BatchConfiguration(maxQueueSize: queue, maxExportBatchSize: batch, scheduledDelaySeconds: delay, exportTimeoutSeconds: 5),
            encode: { items in Array("[\(items.map(String.init).joined(separator: ","))]".utf8) }, exporters: exporters, fallback: fallback,
            report: { warnings.add($0) })
    }

    func items(in batches: [EncodedBatch]) throws -> [Int] {
        try batches.flatMap { try JSONSerialization.jsonObject(with: Data($0.json)) as! [Int] }
    }

    func lines(_ path: String) throws -> [[Int]] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [Int]
        }
    }

    @Test func flushDeliversEverythingOnceInBatches() throws {
        let exporter = ScriptedExporter()
        let processor = processor([exporter], fallback: nil, batch: 100)
        for item in 0..<1050 { processor.add(item) }
        #expect(processor.forceFlush(timeoutSeconds: 10))
        #expect(processor.forceFlush(timeoutSeconds: 10))
        #expect(try items(in: exporter.batches) == Array(0..<1050))
        #expect(exporter.batches.allSatisfy { $0.itemCount <= 100 })
        #expect(processor.counters == .init(delivered: 1050, fellBack: 0, dropped: 0))
        processor.shutdown(timeoutSeconds: 5)
    }

    @Test func theScheduledDelayExportsWithoutAFlush() throws {
        let exporter = ScriptedExporter()
        let processor = processor([exporter], fallback: nil, delay: 0.01)
        processor.add(1)
        // Shutdown waits for the worker; the item was exported by the timer or by the drain, exactly once.
        processor.shutdown(timeoutSeconds: 5)
        #expect(try items(in: exporter.batches) == [1])
    }

    @Test func undeliveredBatchesGoToTheFallbackFile() throws {
        let path = temporaryPath("fallback") + ".jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let exporter = ScriptedExporter(script: [.failed("HTTP 400, not retried: nope")])
        let processor = processor([exporter], fallback: try JSONLFile(path: path, option: "--fallback-file"), batch: 10)
        for item in 0..<20 { processor.add(item) }
        processor.shutdown(timeoutSeconds: 5)
        #expect(try lines(path) == [Array(0..<10)])
        #expect(try items(in: exporter.batches) == Array(0..<20))
        #expect(processor.counters == .init(delivered: 10, fellBack: 10, dropped: 0))
        #expect(warnings.all.contains { $0.contains("10 spans not delivered") && $0.contains(path) && $0.contains("HTTP 400") })
    }

    @Test func aFullQueueSpillsToTheFallbackFileAndLosesNothing() throws {
        let path = temporaryPath("spill") + ".jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let exporter = ScriptedExporter(held: true)
        let processor = processor([exporter], fallback: try JSONLFile(path: path, option: "--fallback-file"), queue: 50, batch: 10)
        for item in 0..<500 { processor.add(item) }
        exporter.release()
        processor.shutdown(timeoutSeconds: 10)
        let delivered = try items(in: exporter.batches)
        let spilled = try lines(path).flatMap { $0 }
        #expect(Set(delivered).isDisjoint(with: spilled))
        #expect((delivered + spilled).sorted() == Array(0..<500))
        #expect(processor.counters.dropped == 0)
        #expect(warnings.all.contains { $0.contains("the queue was full") })
    }

    @Test func withoutAFallbackLossesAreReported() throws {
        let processor = processor([ScriptedExporter(script: [.failed("down")])], fallback: nil)
        processor.add(1)
        processor.shutdown(timeoutSeconds: 5)
        #expect(processor.counters.dropped == 1)
        #expect(warnings.all.contains { $0.contains("they are lost") })
    }

    @Test func itemsAfterShutdownAreCountedAndReported() {
        let processor = processor([ScriptedExporter()], fallback: nil)
        processor.shutdown(timeoutSeconds: 5)
        processor.add(1)
        processor.shutdown(timeoutSeconds: 5)
        #expect(processor.forceFlush(timeoutSeconds: 1))
    }

    @Test func jsonlLinesAreWholeAndAppended() throws {
        let path = temporaryPath("dump") + ".jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "{\"earlier\":true}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let file = try JSONLFile(path: path, option: "--jsonl-out")
        let exporter = JSONLFileExporter(file: file)
        #expect(exporter.export(EncodedBatch(signal: .traces, json: Array("{\"a\":1}".utf8), itemCount: 1), deadline: 0) == .delivered)
        file.removeIfUnused()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"earlier\":true}\n{\"a\":1}\n")
        #expect(throws: OTLPConfigError.self) { try JSONLFile(path: "/nonexistent-dir/x.jsonl", option: "--jsonl-out") }
        let unused = temporaryPath("unused")
        try JSONLFile(path: unused, option: "--fallback-file").removeIfUnused()
        #expect(!FileManager.default.fileExists(atPath: unused))
    }
}

@Suite struct ReplayTests {
    @Test func replaysEachSignalAndSkipsWhatIsNotOTLP() throws {
        let path = temporaryPath("replay") + ".jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t"))
        let span = SpanData(traceID: .random(), spanID: .random(), name: "s", startTimeUnixNano: 1, endTimeUnixNano: 2)
        let log = LogRecordData(timeUnixNano: 1, observedTimeUnixNano: 1, severityNumber: 9, severityText: "INFO", body: "b")
        let text = [
            String(decoding: encoder.encode(spans: [span, span]), as: UTF8.self), "not json at all", "{\"resourceMetrics\":[]}",
            "", String(decoding: encoder.encode(logs: [log]), as: UTF8.self),
        ].joined(separator: "\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let traces = ScriptedExporter()
        let logs = ScriptedExporter()
        let warnings = Warnings()
        let summary = try OTLPReplay.replay(path: path, traces: traces, logs: logs, timeoutSeconds: 5, report: { warnings.add($0) })
        #expect(summary == OTLPReplay.Summary(delivered: 2, items: 3, skipped: [2, 3], failed: []))
        #expect(traces.batches.map(\.itemCount) == [2])
        #expect(logs.batches.map(\.itemCount) == [1])
        #expect(warnings.all.first?.hasPrefix("line 2: not a JSON object") == true)
        #expect(warnings.all.last?.hasPrefix("line 3: not OTLP JSON") == true)
    }

    @Test func undeliveredLinesAreCounted() throws {
        let path = temporaryPath("replay-fail") + ".jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "{\"resourceSpans\":[]}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let summary = try OTLPReplay.replay(path: path, traces: ScriptedExporter(script: [.failed("down")]), logs: ScriptedExporter(), timeoutSeconds: 1, report: { _ in })
        #expect(summary.failed == [1])
        #expect(throws: OTLPConfigError.self) {
            try OTLPReplay.replay(path: "/nonexistent/x.jsonl", traces: ScriptedExporter(), logs: ScriptedExporter(), timeoutSeconds: 1, report: { _ in })
        }
    }
}
