import Foundation
@_spi(Pipeline) import OTLPExporter
import Synchronization

/// A clock whose time moves only when code sleeps on it.
final class FakeOTLPClock: OTLPClock {
    private let state = Mutex((now: 1000.0, sleeps: [Double]()))

    func now() -> Double { state.withLock { $0.now } }

    func sleep(seconds: Double) {
        state.withLock {
            $0.sleeps.append(seconds)
            $0.now += seconds
        }
    }

    func wallNow() -> Double { 1_700_000_000 + now() }

    var sleeps: [Double] { state.withLock { $0.sleeps } }
}

/// A clock whose time moves only when a test advances it (or when code sleeps on it, as the exporter's
/// backoff does). A processor's waits are recorded with their deadlines, so a test can wait for the worker to
/// be waiting for a given time, check nothing happened early, then advance: the pattern of swift-otel's
/// TestClock and its sleep calls.
final class ManualOTLPClock: OTLPClock {
    private let state = Mutex((now: 1000.0, deadlines: [Double]()))
    private let changed = NSCondition()

    func now() -> Double { state.withLock { $0.now } }

    func sleep(seconds: Double) { advance(by: seconds) }

    func wallNow() -> Double { 1_700_000_000 + now() }

    func wait(for signal: WakeSignal, until deadline: Double) {
        state.withLock { $0.deadlines.append(deadline) }
        notify()
        // Returns on a signal, or once a test has advanced the clock to the deadline.
        while !signal.wait(seconds: 0.002), now() < deadline {}
    }

    /// Moves the clock on.
    func advance(by seconds: Double) {
        state.withLock { $0.now += seconds }
        notify()
    }

    /// Waits (at most 60 s of real time: the suite can starve a thread on 2 cores) until code waits on this clock until `deadline`; true when it did.
    func awaitWait(until deadline: Double) -> Bool {
        let limit = Date(timeIntervalSinceNow: 60)
        changed.lock()
        defer { changed.unlock() }
        while !state.withLock({ $0.deadlines.contains(deadline) }) {
            if !changed.wait(until: limit) { return false }
        }
        return true
    }

    /// Every deadline waited for so far.
    var deadlines: [Double] { state.withLock { $0.deadlines } }

    private func notify() {
        changed.lock()
        changed.broadcast()
        changed.unlock()
    }
}

/// Records every span that ends.
final class CollectingProcessor: SpanProcessor {
    private let spans = Mutex<[SpanData]>([])
    private let starts = Mutex<[SpanContextData]>([])

    func onStart(_ context: SpanContextData) { starts.withLock { $0.append(context) } }
    func onEnd(_ span: SpanData) { spans.withLock { $0.append(span) } }
    func forceFlush(timeoutSeconds: Double) {}

    var ended: [SpanData] { spans.withLock { $0 } }
    var started: [SpanContextData] { starts.withLock { $0 } }
}

/// An exporter that records batches and answers from a script (delivered when the script is empty);
/// it can be held closed until released, to back the queue up.
final class ScriptedExporter: BatchExporter {
    private let state: Mutex<(batches: [EncodedBatch], script: [ExportOutcome])>
    private let gate = DispatchSemaphore(value: 0)
    private let deliveredItems = Mutex(0)
    private let progress = NSCondition()
    private let held: Bool
    private let released = Mutex(false)

    init(script: [ExportOutcome] = [], held: Bool = false) {
        state = Mutex((batches: [], script: script))
        self.held = held
    }

    var destination: String { "scripted" }

    func export(_ batch: EncodedBatch, deadline: Double) -> ExportOutcome {
        if held, !released.withLock({ $0 }) {
            gate.wait()
            gate.signal()
        }
        let outcome = state.withLock { state in
            state.batches.append(batch)
            return state.script.isEmpty ? ExportOutcome.delivered : state.script.removeFirst()
        }
        if outcome == .delivered {
            progress.lock()
            deliveredItems.withLock { $0 += batch.itemCount }
            progress.broadcast()
            progress.unlock()
        }
        return outcome
    }

    /// Waits until batches holding `count` items were delivered, at most `seconds`; true when they were.
    func waitForDelivered(_ count: Int, seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        progress.lock()
        defer { progress.unlock() }
        while deliveredItems.withLock({ $0 }) < count {
            if !progress.wait(until: deadline) { return deliveredItems.withLock { $0 } >= count }
        }
        return true
    }

    func release() {
        released.withLock { $0 = true }
        gate.signal()
    }

    var batches: [EncodedBatch] { state.withLock { $0.batches } }
}

/// The processor tests' documents: integers in the shape of a `TracesData` line, `{"resourceSpans":[1,2]}`.
@Sendable func toyDocument(_ items: [Int]) -> [UInt8] {
    Array("{\"resourceSpans\":[\(items.map(String.init).joined(separator: ","))]}".utf8)
}

/// The integers of a toy document (none when it is not one).
func toyItems(_ json: [UInt8]) -> [Int] {
    ((try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any])?["resourceSpans"] as? [Int] ?? []
}

/// Every toy document of every segment in a spool directory, oldest first.
func spooledItems(_ directory: String, signal: OTLPSignal = .traces) throws -> [[Int]] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasPrefix(signal.rawValue + "-") && $0.hasSuffix(".jsonl") }.sorted()
    return try names.flatMap { name in
        try String(contentsOfFile: directory + "/" + name, encoding: .utf8).split(separator: "\n").map { toyItems(Array($0.utf8)) }
    }
}

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID())").path
}

func jsonObject(_ bytes: [UInt8]) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
}

/// Delivers every batch, and says the collector refused 3 items of each (an OTLP partial success).
final class PartlyRefusingExporter: BatchExporter {
    let pending = Mutex(0)
    var destination: String { "partly" }
    func export(_ batch: EncodedBatch, deadline: Double) -> ExportOutcome {
        pending.withLock { $0 += 3 }
        return .delivered
    }
    func takeRefusedInPart() -> Int { pending.withLock { value in defer { value = 0 }; return value } }
}
