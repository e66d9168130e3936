import Foundation
import Synchronization
import LogLineCore
@_spi(Pipeline) import OTLPExporter
import Testing

@Suite struct BatchProcessorTests {
    let warnings = Warnings()

    func processor(
        _ exporter: any BatchExporter, spool: Spool?, queue: Int = 2048, batch: Int = 512, delay: Double = 60,
        availability: CollectorAvailability? = nil
    ) -> BatchProcessor<Int> {
        BatchProcessor<Int>(
            signal: .traces, configuration: BatchConfiguration(maxQueueSize: queue, maxExportBatchSize: batch, scheduledDelaySeconds: delay, exportTimeoutSeconds: 5),
            encode: toyDocument, countSpooled: { toyItems($0).count },
            exporter: exporter, spool: spool, availability: availability, report: { warnings.add($0) })
    }

    /// A collector state that probes again soon, so tests see the drain without waiting.
    func quickProbes() -> CollectorAvailability {
        CollectorAvailability(name: "the collector at scripted", initialBackoff: 0.01, maxBackoff: 0.02, report: { warnings.add($0) })
    }

    /// What the test encoder's documents hold.
    func items(in batches: [EncodedBatch]) throws -> [Int] {
        batches.flatMap { toyItems($0.json) }
    }

    func lines(_ path: String) throws -> [[Int]] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { toyItems(Array($0.utf8)) }
    }

    @Test func flushDeliversEverythingOnceInBatches() throws {
        let exporter = ScriptedExporter()
        let processor = processor(exporter, spool: nil, batch: 100)
        for item in 0..<1050 { processor.add(item) }
        #expect(processor.forceFlush(timeoutSeconds: 10))
        #expect(processor.forceFlush(timeoutSeconds: 10))
        #expect(try items(in: exporter.batches) == Array(0..<1050))
        #expect(exporter.batches.allSatisfy { $0.itemCount <= 100 })
        #expect(processor.counters == .init(delivered: 1050))
        processor.shutdown(timeoutSeconds: 5)
    }

    @Test func theScheduledDelayExportsWithoutAFlush() throws {
        let exporter = ScriptedExporter()
        let processor = processor(exporter, spool: nil, delay: 0.01)
        processor.add(1)
        // Shutdown waits for the worker; the item was exported by the timer or by the drain, exactly once.
        processor.shutdown(timeoutSeconds: 5)
        #expect(try items(in: exporter.batches) == [1])
    }

    @Test func theScheduledDelayIsAWaitOnTheClockNotTheShutdownDrain() throws {
        let clock = ManualOTLPClock()
        let exporter = ScriptedExporter()
        let processor = BatchProcessor<Int>(
            signal: .traces, configuration: BatchConfiguration(maxExportBatchSize: 10, scheduledDelaySeconds: 5), encode: toyDocument,
            countSpooled: { toyItems($0).count }, exporter: exporter, spool: nil, clock: clock, report: { warnings.add($0) })
        processor.add(1)
        // The worker waits for the delay to pass on the clock, and sends nothing before.
        #expect(clock.awaitWait(until: 1005))
        #expect(exporter.batches.isEmpty)
        clock.advance(by: 5)
        #expect(exporter.waitForDelivered(1, seconds: 60))
        #expect(try items(in: exporter.batches) == [1])
        processor.shutdown(timeoutSeconds: 5)
    }

    @Test func probesFollowTheBackoffOnTheClock() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualOTLPClock()
        let exporter = ScriptedExporter(script: [.unavailable("refused"), .unavailable("refused"), .unavailable("refused")])
        let availability = CollectorAvailability(
            name: "the collector at scripted", initialBackoff: 1, maxBackoff: 4, jitter: { 1 }, report: { warnings.add($0) })
        let processor = BatchProcessor<Int>(
            signal: .traces, configuration: BatchConfiguration(maxExportBatchSize: 10, scheduledDelaySeconds: 60), encode: toyDocument,
            countSpooled: { toyItems($0).count }, exporter: exporter, spool: try Spool(directory: directory, signal: .traces),
            availability: availability, clock: clock, report: { warnings.add($0) })
        for item in 0..<10 { processor.add(item) }
        // Refused at 1000: probes at 1001, then 2 s and 4 s later; nothing is tried in between.
        for (deadline, step, triesSoFar) in [(1001.0, 1.0, 1), (1003, 2, 2), (1007, 4, 3)] {
            #expect(clock.awaitWait(until: deadline))
            #expect(exporter.batches.count == triesSoFar)
            clock.advance(by: step)
        }
        #expect(exporter.waitForDelivered(10, seconds: 60))
        #expect(exporter.batches.count == 4)
        #expect(try items(in: [exporter.batches[3]]) == Array(0..<10))
        processor.shutdown(timeoutSeconds: 5)
    }

    @Test func refusedBatchesAreSetAsideNeverSpooledOrSentAgain() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(directory: directory, signal: .traces)
        let exporter = ScriptedExporter(script: [.rejected("HTTP 400, not retried: nope")])
        let processor = processor(exporter, spool: spool, batch: 10)
        for item in 0..<20 { processor.add(item) }
        processor.shutdown(timeoutSeconds: 5)
        #expect(try lines(spool.rejectedPath) == [Array(0..<10)])
        #expect(try spooledItems(directory).isEmpty)
        #expect(try items(in: exporter.batches) == Array(0..<20))
        #expect(processor.counters == .init(delivered: 10, rejected: 10))
        #expect(warnings.all.contains { $0.contains("refused 10 spans") && $0.contains(spool.rejectedPath) && $0.contains("HTTP 400") })
    }

    @Test func aSeriesOfRefusalsIsSaidOnceAndCounted() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(directory: directory, signal: .traces)
        let refusal = ExportOutcome.rejected("HTTP 400, not retried: nope")
        let exporter = ScriptedExporter(script: [refusal, refusal, refusal])
        let processor = processor(exporter, spool: spool, batch: 10)
        for item in 0..<30 { processor.add(item) }
        processor.shutdown(timeoutSeconds: 5)
        #expect(processor.counters == .init(rejected: 30))
        #expect(warnings.all.filter { $0.contains("refused 10 spans") }.count == 1, "\(warnings.all)")
        #expect(warnings.all.contains { $0.contains("further refusals are counted, not reported") })
    }

    @Test func itemsRefusedInAPartialSuccessAreCountedLost() throws {
        let processor = processor(PartlyRefusingExporter(), spool: nil, batch: 10)
        for item in 0..<20 { processor.add(item) }
        processor.shutdown(timeoutSeconds: 5)
        #expect(processor.counters == .init(delivered: 14, lost: 6))
    }

    @Test func anUnreachableCollectorIsSaidOnceSpooledAndDrainedWhenItIsBack() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let exporter = ScriptedExporter(script: [.unavailable("connection refused"), .unavailable("connection refused")])
        let processor = processor(exporter, spool: try Spool(directory: directory, signal: .traces), batch: 10, availability: quickProbes())
        for item in 0..<30 { processor.add(item) }
        // The worker probes in the background and drains the spool during the run, before any shutdown.
        #expect(exporter.waitForDelivered(30, seconds: 30))
        processor.shutdown(timeoutSeconds: 10)
        // Each item reached the collector exactly once, through the spool or live.
        let accepted = try items(in: Array(exporter.batches.dropFirst(2)))
        #expect(accepted.sorted() == Array(0..<30))
        #expect(processor.counters.delivered == 30)
        #expect(processor.counters.lost == 0)
        #expect(processor.counters.drained == processor.counters.spooled)
        #expect(processor.counters.spooled >= 10)
        #expect(try spooledItems(directory).isEmpty)
        #expect(warnings.all.filter { $0.contains("is not taking batches (connection refused); spooling to \(directory)") }.count == 1)
        #expect(warnings.all.contains { $0.contains("taking batches again") })
    }

    @Test func aCollectorKnownDownGetsOneShortProbeAtShutdownThenEverythingIsSpooled() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let exporter = ScriptedExporter(script: [.unavailable("connection refused"), .unavailable("connection refused")])
        let slowProbes = CollectorAvailability(name: "the collector at scripted", initialBackoff: 600, report: { warnings.add($0) })
        let processor = processor(exporter, spool: try Spool(directory: directory, signal: .traces), batch: 10, availability: slowProbes)
        for item in 0..<10 { processor.add(item) }
        #expect(processor.forceFlush(timeoutSeconds: 5))
        for item in 10..<25 { processor.add(item) }
        processor.shutdown(timeoutSeconds: 30)
        #expect(exporter.batches.count == 2)
        #expect(try spooledItems(directory).flatMap { $0 }.sorted() == Array(0..<25))
        #expect(processor.counters == .init(spooled: 25))
    }

    @Test func aFullQueueSpillsOnlyWhatDoesNotFitAndTheSpoolIsDeliveredAtShutdown() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let exporter = ScriptedExporter(held: true)
        let processor = processor(exporter, spool: try Spool(directory: directory, signal: .traces), queue: 50, batch: 10)
        for item in 0..<500 { processor.add(item) }
        let spooledWhileFull = processor.counters.spooled
        exporter.release()
        processor.shutdown(timeoutSeconds: 10)
        let delivered = try items(in: exporter.batches)
        #expect(delivered.sorted() == Array(0..<500), "every item delivered exactly once")
        // The queue kept what fitted (50, less the batch the worker held): only the rest went to disk.
        #expect(processor.counters.spooled <= 450 && processor.counters.spooled >= 440 - 10)
        #expect(spooledWhileFull <= processor.counters.spooled)
        #expect(processor.counters.drained == processor.counters.spooled)
        #expect(processor.counters.lost == 0)
        #expect(try spooledItems(directory).isEmpty)
    }

    @Test func theNextProcessDrainsAnEarlierSpoolOldestFirst() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = processor(
            ScriptedExporter(script: [.unavailable("refused"), .unavailable("refused")]), spool: try Spool(directory: directory, signal: .traces), batch: 10,
            availability: CollectorAvailability(name: "the collector at scripted", initialBackoff: 600, report: { _ in }))
        for item in 0..<30 { first.add(item) }
        first.shutdown(timeoutSeconds: 5)
        #expect(try spooledItems(directory).flatMap { $0 } == Array(0..<30))

        let exporter = ScriptedExporter()
        let second = processor(exporter, spool: try Spool(directory: directory, signal: .traces), batch: 10)
        second.shutdown(timeoutSeconds: 5)
        #expect(try items(in: exporter.batches) == Array(0..<30))
        #expect(second.counters == .init(delivered: 30, drained: 30))
        #expect(try spooledItems(directory).isEmpty)
    }

    @Test func aSpooledLineThatIsNotOTLPIsSetAsideNotSent() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(directory: directory, signal: .traces)
        spool.append(Array("garbage line".utf8))
        spool.close()
        let exporter = ScriptedExporter()
        let processor = processor(exporter, spool: try Spool(directory: directory, signal: .traces))
        processor.shutdown(timeoutSeconds: 5)
        #expect(exporter.batches.isEmpty)
        #expect(try String(contentsOfFile: spool.rejectedPath, encoding: .utf8) == "garbage line\n")
        #expect(warnings.all.contains { $0.contains("is not an OTLP TracesData document; not sent") })
    }

    /// Answers 2xx, and notes for each batch whether it was in the spool when it was sent.
    final class SpoolCheckingExporter: BatchExporter {
        let directory: String
        private let seen = Mutex<[Bool]>([])
        init(directory: String) { self.directory = directory }
        var destination: String { "checking" }
        func export(_ batch: EncodedBatch, deadline: Double) -> ExportOutcome {
            let lines = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasPrefix("traces-") }
                .flatMap { (try? String(contentsOfFile: directory + "/" + $0, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? [] }
            seen.withLock { $0.append(lines.contains(String(decoding: batch.json, as: UTF8.self))) }
            return .delivered
        }
        var onDiskWhenSent: [Bool] { seen.withLock { $0 } }
    }

    @Test func durableModeWritesEachBatchBeforeSendingItAndRemovesItAfter() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let exporter = SpoolCheckingExporter(directory: directory)
        let processor = BatchProcessor<Int>(
            signal: .traces, configuration: BatchConfiguration(maxExportBatchSize: 10, scheduledDelaySeconds: 60), encode: toyDocument,
            countSpooled: { toyItems($0).count }, exporter: exporter, spool: try Spool(directory: directory, signal: .traces), durable: true,
            report: { warnings.add($0) })
        for item in 0..<50 { processor.add(item) }
        processor.shutdown(timeoutSeconds: 10)
        #expect(exporter.onDiskWhenSent == Array(repeating: true, count: 5))
        #expect(processor.counters == .init(delivered: 50, spooled: 50, drained: 50))
        #expect(try spooledItems(directory).isEmpty)
    }

    @Test func aSegmentHeldElsewhereIsDrainedOnceReleasedNotGivenUpOn() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try Spool(directory: directory, signal: .traces)
        writer.append(toyDocument([1, 2, 3]))
        writer.close()
        // Another drainer (as another process would) holds the segment when the processor starts.
        var held = try Spool(directory: directory, signal: .traces).oldestPending()
        #expect(held != nil)
        let clock = ManualOTLPClock()
        let exporter = ScriptedExporter()
        let processor = BatchProcessor<Int>(
            signal: .traces, configuration: BatchConfiguration(maxExportBatchSize: 10, scheduledDelaySeconds: 60), encode: toyDocument,
            countSpooled: { toyItems($0).count }, exporter: exporter, spool: try Spool(directory: directory, signal: .traces), clock: clock,
            report: { warnings.add($0) })
        // The worker could not open it, and looks again a second later rather than giving up on the spool.
        #expect(clock.awaitWait(until: 1001))
        #expect(exporter.batches.isEmpty)
        held = nil
        clock.advance(by: 1)
        #expect(exporter.waitForDelivered(3, seconds: 30))
        #expect(try items(in: exporter.batches) == [1, 2, 3])
        processor.shutdown(timeoutSeconds: 5)
        #expect(try spooledItems(directory).isEmpty)
    }

    @Test func withoutASpoolLossesAreReported() throws {
        let processor = processor(ScriptedExporter(script: [.unavailable("down")]), spool: nil)
        processor.add(1)
        processor.shutdown(timeoutSeconds: 5)
        #expect(processor.counters.lost == 1)
        #expect(warnings.all.contains { $0.contains("they are lost") })
    }

    @Test func spoolNowKeepsEverythingPendingWithoutTheNetwork() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let exporter = ScriptedExporter(held: true)
        let processor = processor(exporter, spool: try Spool(directory: directory, signal: .traces), batch: 10)
        for item in 0..<25 { processor.add(item) }
        processor.spoolNow()
        // The batch held in the exporter is spooled too: at least once, never lost.
        #expect(processor.counters.spooled >= 25)
        #expect(Set(try spooledItems(directory).flatMap { $0 }) == Set(0..<25))
        processor.add(99)
        exporter.release()
        processor.shutdown(timeoutSeconds: 5)
    }

    @Test func itemsAfterShutdownAreCountedAndReported() {
        let processor = processor(ScriptedExporter(), spool: nil)
        processor.shutdown(timeoutSeconds: 5)
        processor.add(1)
        processor.shutdown(timeoutSeconds: 5)
        #expect(processor.forceFlush(timeoutSeconds: 1))
    }

    @Test func aCopyGetsEveryItemOnceEvenThoseThatOverflowTheQueue() throws {
        let directory = temporaryPath("spool")
        let dump = temporaryPath("dump") + ".jsonl"
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: dump)
        }
        let exporter = ScriptedExporter(held: true)
        let processor = BatchProcessor<Int>(
            signal: .traces, configuration: BatchConfiguration(maxQueueSize: 50, maxExportBatchSize: 10, scheduledDelaySeconds: 60),
            encode: toyDocument, countSpooled: { toyItems($0).count }, exporter: exporter,
            copies: [JSONLFileExporter(file: try JSONLFile(path: dump, option: "--jsonl-out"))],
            spool: try Spool(directory: directory, signal: .traces), report: { warnings.add($0) })
        for item in 0..<500 { processor.add(item) }
        exporter.release()
        processor.shutdown(timeoutSeconds: 10)
        #expect(try lines(dump).flatMap { $0 }.sorted() == Array(0..<500))
    }

    @Test func aFailingCopyIsCountedAndDoesNotUndeliverTheBatch() throws {
        let processor = BatchProcessor<Int>(
            signal: .traces, configuration: BatchConfiguration(maxExportBatchSize: 10, scheduledDelaySeconds: 60),
            encode: toyDocument, exporter: ScriptedExporter(),
            copies: [JSONLFileExporter(file: try JSONLFile(path: "/dev/full", option: "--jsonl-out"))], spool: nil,
            report: { warnings.add($0) })
        for item in 0..<20 { processor.add(item) }
        processor.shutdown(timeoutSeconds: 5)
        #expect(processor.counters == .init(delivered: 20, copyFailures: 20))
        #expect(warnings.all.filter { $0.contains("/dev/full") }.count == 1)
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
        try JSONLFile(path: unused, option: "--jsonl-out").removeIfUnused()
        #expect(!FileManager.default.fileExists(atPath: unused))
    }
}

@Suite struct SpoolTests {
    func document(_ items: [Int]) -> [UInt8] { toyDocument(items) }

    @Test func segmentsRollOverAndDrainOldestFirstThenVanish() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(directory: directory, signal: .traces, segmentBytes: 20)
        for index in 0..<6 { #expect(spool.append(document([index, index])) == nil) }
        #expect(try spooledItems(directory) == (0..<6).map { [$0, $0] })
        #expect(Spool.pendingBatches(in: directory) == 6)
        var drained: [[UInt8]] = []
        while let segment = spool.oldestPending() {
            while let line = segment.current {
                drained.append(line)
                segment.acknowledge()
            }
        }
        #expect(drained == (0..<6).map { document([$0, $0]) })
        #expect(!spool.hasSegments)
        #expect(spool.bytesOnDisk == 0)
        spool.removeIfEmpty()
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test func progressSurvivesAStopHalfWayThroughASegment() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(directory: directory, signal: .logs)
        for index in 0..<4 { spool.append(document([index])) }
        do {
            let segment = try #require(spool.oldestPending())
            segment.acknowledge()
            segment.acknowledge()
        }
        // A new process (a new Spool object) resumes after the acknowledged lines.
        let later = try Spool(directory: directory, signal: .logs)
        let segment = try #require(later.oldestPending())
        #expect(segment.current == document([2]))
        #expect(segment.remaining == 2)
    }

    @Test func aSegmentBeingDrainedIsNotTakenTwice() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(directory: directory, signal: .traces)
        spool.append(document([1]))
        let other = try Spool(directory: directory, signal: .traces)
        // While one process writes the segment, no other takes it; nor while one drains it.
        #expect(other.oldestPending() == nil)
        let held = try #require(spool.oldestPending())
        #expect(other.oldestPending() == nil)
        #expect(held.remaining == 1)
    }

    @Test func aProgressFileThatDoesNotFitIsIgnoredAndTheSegmentSentFromItsStart() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(directory: directory, signal: .traces)
        for index in 0..<3 { spool.append(document([index])) }
        spool.close()
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first)
        for bad in ["-1\n", "999\n", "abc"] {
            try bad.write(toFile: directory + "/" + segment + ".acked", atomically: true, encoding: .utf8)
            let opened = try #require(spool.oldestPending())
            #expect(opened.current == document([0]) && opened.remaining == 3, "with \(bad)")
        }
    }

    @Test func onlyRegularFilesNamedAsSegmentsAreTaken() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(directory: directory, signal: .traces)
        let secret = directory + "/secret.txt"
        try "{\"resourceSpans\":[]}\n".write(toFile: secret, atomically: true, encoding: .utf8)
        _ = spool
        try "{\"resourceSpans\":[]}\n".write(toFile: directory + "/traces-mydata.jsonl", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory + "/traces-0000000000000001-1-000001.jsonl", withDestinationPath: secret)
        try FileManager.default.createDirectory(atPath: directory + "/traces-0000000000000002-1-000001.jsonl", withIntermediateDirectories: false)
        #expect(spool.oldestPending() == nil)
        #expect(!spool.hasSegments)
        #expect(FileManager.default.fileExists(atPath: directory + "/traces-mydata.jsonl"))
    }

    @Test func streamsAreFoundByTheirBaseTaggedOrNot() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tagged = Spool.prefix("sql-logs", destination: "sqlite:logs.db")
        for prefix in ["sql-logs", tagged, "logs", Spool.prefix("traces", destination: "http://127.0.0.1:4318")] {
            let spool = try Spool(directory: directory, signal: .logs, prefix: prefix)
            spool.append(Array("{\"resourceLogs\":[]}".utf8))
            spool.close()
        }
        FileManager.default.createFile(atPath: directory + "/sql-logs@nothex!!-0000000000000001-1-000001.jsonl", contents: Data())
        #expect(Spool.prefixes(in: directory, base: "sql-logs") == ["sql-logs", tagged].sorted())
        #expect(Spool.prefixes(in: directory, base: "logs") == ["logs"])
        #expect(Spool.prefixes(in: directory, base: "traces").count == 1)
        #expect(tagged.hasPrefix("sql-logs@") && tagged.count == "sql-logs@".count + 8)
    }

    @Test func theSizeLimitRefusesAndSaysWhy() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(directory: directory, signal: .traces, maxBytes: 40)
        #expect(spool.append(document([1, 2, 3])) == nil)
        let refusal = try #require(spool.append(document([4, 5, 6])))
        #expect(refusal.contains("is full"))
        #expect(try spooledItems(directory) == [[1, 2, 3]])
    }

    @Test func aFileIsNotASpool() throws {
        let path = temporaryPath("file")
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data())
        #expect(throws: OTLPConfigError.self) { try Spool(directory: path, signal: .traces) }
        #expect(throws: OTLPConfigError.self) { try Spool(directory: path + "/spool", signal: .traces) }
    }

    @Test func spooledItemsAreCountedWithoutParsing() {
        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t"))
        let span = SpanData(
            traceID: .random(), spanID: .random(), name: "s", startTimeUnixNano: 1, endTimeUnixNano: 2,
            events: [SpanEventData(name: "e", timeUnixNano: 1)])
        let log = LogLine(timeUnixNano: 1, level: .info, label: "", message: "b")
        #expect(EncodedBatch(spooled: encoder.encode(spans: [span, span, span]), signal: .traces).itemCount == 3)
        #expect(EncodedBatch(spooled: encoder.encode(logs: [log, log]), signal: .logs).itemCount == 2)
    }
}

@Suite struct ReplayTests {
    @Test func replaysEachSignalAndSkipsWhatIsNotOTLP() throws {
        let path = temporaryPath("replay") + ".jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t"))
        let span = SpanData(traceID: .random(), spanID: .random(), name: "s", startTimeUnixNano: 1, endTimeUnixNano: 2)
        let log = LogLine(timeUnixNano: 1, level: .info, label: "", message: "b")
        let point = MetricPoint(name: "m", kind: .gauge, attributes: [], startTimeUnixNano: 0, timeUnixNano: 5, value: .double(1))
        let text = [
            String(decoding: encoder.encode(spans: [span, span]), as: UTF8.self), "not json at all", "{\"resourceWidgets\":[]}",
            "", String(decoding: encoder.encode(logs: [log]), as: UTF8.self), String(decoding: encoder.encode(metrics: [point, point]), as: UTF8.self),
        ].joined(separator: "\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let traces = ScriptedExporter()
        let logs = ScriptedExporter()
        let metrics = ScriptedExporter()
        let warnings = Warnings()
        let summary = try OTLPReplay.replay(path: path, traces: traces, logs: logs, metrics: metrics, timeoutSeconds: 5, report: { warnings.add($0) })
        #expect(summary == OTLPReplay.Summary(delivered: 3, items: 5, skipped: [2, 3], failed: []))
        #expect(traces.batches.map(\.itemCount) == [2])
        #expect(logs.batches.map(\.itemCount) == [1])
        #expect(metrics.batches.map(\.itemCount) == [2])
        #expect(warnings.all.first?.hasPrefix("line 2: not a JSON object") == true)
        #expect(warnings.all.last?.hasPrefix("line 3: not OTLP JSON") == true)

        // Without a metrics destination, a MetricsData line is skipped and said.
        let noMetrics = Warnings()
        let skipped = try OTLPReplay.replay(path: path, traces: ScriptedExporter(), logs: ScriptedExporter(), timeoutSeconds: 5, report: { noMetrics.add($0) })
        #expect(skipped.skipped == [2, 3, 6])
        #expect(noMetrics.all.contains { $0.hasPrefix("line 6: a MetricsData document, and metrics have no destination here") })
    }

    @Test func undeliveredLinesAreCounted() throws {
        let path = temporaryPath("replay-fail") + ".jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "{\"resourceSpans\":[]}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let summary = try OTLPReplay.replay(path: path, traces: ScriptedExporter(script: [.rejected("HTTP 400")]), logs: ScriptedExporter(), timeoutSeconds: 1, report: { _ in })
        #expect(summary.failed == [1])
        // Items a collector refused within an accepted line (a partial success) are counted, not delivered.
        let partly = try OTLPReplay.replay(path: path, traces: PartlyRefusingExporter(), logs: ScriptedExporter(), timeoutSeconds: 1, report: { _ in })
        #expect(partly.delivered == 1 && partly.refusedInPart == 3)
        for bad in ["/nonexistent/x.jsonl", FileManager.default.temporaryDirectory.path] {
            #expect(throws: OTLPConfigError.self) {
                try OTLPReplay.replay(path: bad, traces: ScriptedExporter(), logs: ScriptedExporter(), timeoutSeconds: 1, report: { _ in })
            }
        }
        try "not otlp\n{\"resourceMetrics\":[]}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: OTLPConfigError.self) {
            try OTLPReplay.replay(path: path, traces: ScriptedExporter(), logs: ScriptedExporter(), timeoutSeconds: 1, report: { _ in })
        }
    }

    @Test func anUnreachableCollectorStopsTheReplayAtOnceAndLeavesTheSpool() throws {
        let directory = temporaryPath("spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t"))
        let spool = try Spool(directory: directory, signal: .traces)
        for _ in 0..<3 {
            spool.append(encoder.encode(spans: [SpanData(traceID: .random(), spanID: .random(), name: "s", startTimeUnixNano: 1, endTimeUnixNano: 2)]))
        }
        spool.close()  // as a run does when it ends, so another process may drain it
        let down = ScriptedExporter(script: [.delivered, .unavailable("refused")])
        let summary = try OTLPReplay.replay(path: directory, traces: down, logs: ScriptedExporter(), timeoutSeconds: 1, report: { _ in })
        #expect(summary.delivered == 1 && summary.notSent == 2)
        #expect(down.batches.count == 2)
        // The rest is sent by the next replay, and nothing twice.
        let up = ScriptedExporter()
        let again = try OTLPReplay.replay(path: directory, traces: up, logs: ScriptedExporter(), timeoutSeconds: 1, report: { _ in })
        #expect(again == OTLPReplay.Summary(delivered: 2, items: 2))
        #expect(up.batches.count == 2 && up.batches.first?.json == down.batches.last?.json)
        #expect(Spool.pendingBatches(in: directory) == 0)
    }
}
