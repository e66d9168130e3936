import ECLLogging
import Foundation
@_spi(Pipeline) import OTLPExporter
import Synchronization

/// The progress of a run of many workflows, as one line on standard error redrawn five times a second:
/// done, failed, running, retries, tokens, spans exported and spooled, elapsed time and an estimate of what
/// is left. Only on a terminal (see ``TerminalStatusLine``); other output is written around it.
final class ProgressLine: Sendable {
    private let tracker: RunTracker
    private let spans: @Sendable () -> BatchProcessor<SpanData>.Counters?
    private let stopped = Atomic<Bool>(false)
    /// Signalled by the drawing thread when it has stopped: only then is the line erased for good.
    private let finished = DispatchSemaphore(value: 0)

    private init(tracker: RunTracker, spans: @escaping @Sendable () -> BatchProcessor<SpanData>.Counters?) {
        self.tracker = tracker
        self.spans = spans
    }

    /// Starts drawing, or returns nil when standard error is not a terminal.
    static func start(tracker: RunTracker, telemetry spans: @escaping @Sendable () -> BatchProcessor<SpanData>.Counters?) -> ProgressLine? {
        guard TerminalStatusLine.isAvailable else { return nil }
        let line = ProgressLine(tracker: tracker, spans: spans)
        let thread = Thread { [line] in
            while !line.stopped.load(ordering: .acquiring) {
                TerminalStatusLine.show(Self.text(line.tracker.totals(), spans: line.spans()))
                Thread.sleep(forTimeInterval: 0.2)
            }
            line.finished.signal()
        }
        thread.name = "ecl-progress"
        thread.start()
        return line
    }

    /// Stops drawing and erases the line, once the drawing thread has drawn its last.
    func stop() {
        stopped.store(true, ordering: .releasing)
        _ = finished.wait(timeout: .now() + 1)
        TerminalStatusLine.clear()
    }

    /// The line for `totals`, such as
    /// `37/200 done, 1 failed, 4 running | 12 retries, 8532 tokens | spans 1234 exported, 0 spooled | 3.4 s, about 15 s left`.
    static func text(_ totals: RunTotals, spans: BatchProcessor<SpanData>.Counters?) -> String {
        var parts = ["\(totals.ended)/\(totals.workflows) done, \(totals.failed) failed, \(totals.running) running"]
        parts.append("\(totals.retries) retries, \(totals.tokensUsed) tokens")
        if let spans { parts.append("spans \(spans.delivered) exported, \(spans.spooled) spooled") }
        var time = Self.seconds(totals.wallSeconds)
        if totals.ended > 0, totals.ended < totals.workflows {
            time += ", about \(Self.seconds(Double(totals.workflows - totals.ended) / totals.throughput)) left"
        }
        parts.append(time)
        return parts.joined(separator: " | ")
    }

    /// `3.4 s`, `2 min 05 s`, `1 h 02 min`.
    static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return "?" }
        if value < 10 { return String(format: "%.2f s", value) }
        if value < 60 { return String(format: "%.1f s", value) }
        let whole = Int(value)
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, whole % 3600 / 60)
    }
}
