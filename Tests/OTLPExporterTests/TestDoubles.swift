import Foundation
import OTLPExporter
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
        return state.withLock { state in
            state.batches.append(batch)
            return state.script.isEmpty ? .delivered : state.script.removeFirst()
        }
    }

    func release() {
        released.withLock { $0 = true }
        gate.signal()
    }

    var batches: [EncodedBatch] { state.withLock { $0.batches } }
}

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID())").path
}

func jsonObject(_ bytes: [UInt8]) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
}
