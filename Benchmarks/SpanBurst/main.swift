// A burst of spans through the public Tracer at default settings, to a counting receiver in another process
// (Benchmarks/otlp_counter.py, which answers like a real collector). Usage: SpanBurst SPANS [up|down-first-half]
// [durable] (durable: every batch written to the spool before it is sent).
// Traces of 1 root + 4 children (`withSpan`), 4 attributes each, as fast as one thread can end them. With
// down-first-half the receiver starts only once half the spans have ended.
// Prints one JSON line: what the receiver counted (delivered), what is left in the spool, what was lost, the
// time to end every span and to full delivery, peak RSS, and the spool's high-water mark.
import CurlClient
import Foundation
@_spi(Pipeline) import OTLPExporter
import Synchronization
import TestSupport
import Tracing

#if canImport(Glibc)
import Glibc
#endif

let total = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100_000 : 100_000
let mode = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "up"
let durable = CommandLine.arguments.count > 3 && CommandLine.arguments[3] == "durable"
let counterScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("otlp_counter.py").path
let port = try freeLocalPort()

/// Starts the counting receiver and waits for its "ready" line.
func startReceiver() throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", counterScript, "\(port)"]
    let ready = Pipe()
    process.standardOutput = ready
    try process.run()
    var line: [UInt8] = []
    while let byte = try ready.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") { line.append(byte) }
    guard String(decoding: line, as: UTF8.self) == "ready" else { fatalError("the receiver did not start") }
    return process
}

/// What the receiver counted.
func received() throws -> Int {
    let response = try CurlHTTPClient().send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/count"))
    return Int(response.text) ?? -1
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = start.duration(to: .now)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

var receiver = mode == "up" ? try startReceiver() : nil
let spoolDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("span-burst-\(UUID())").path
defer { try? FileManager.default.removeItem(atPath: spoolDirectory) }
let spool = try Spool(directory: spoolDirectory, signal: .traces)
let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "burst"))
let configuration = OTLPHTTPConfiguration(tracesURL: "http://127.0.0.1:\(port)/v1/traces", logsURL: "http://127.0.0.1:\(port)/v1/logs")
let processor = BatchProcessor<SpanData>(
    signal: .traces, configuration: BatchConfiguration(), encode: { encoder.encode(spans: $0) },
    exporter: OTLPHTTPExporter(signal: .traces, configuration: configuration, userAgent: "span-burst", report: { _ in }),
    spool: spool, durable: durable, report: { FileHandle.standardError.write(Data("SpanBurst: \($0)\n".utf8)) })
InstrumentationSystem.bootstrap(OTLPTracer(processor: processor))

// The spool's high-water mark, sampled every 5 ms.
let highWater = Mutex(0)
let sampling = Atomic<Bool>(true)
let sampler = Thread {
    while sampling.load(ordering: .relaxed) {
        let bytes = spool.bytesOnDisk
        highWater.withLock { $0 = max($0, bytes) }
        usleep(5000)
    }
}
sampler.start()

let start = ContinuousClock.now
let traces = total / 5
for index in 0..<traces {
    if mode == "down-first-half", index == traces / 2 { receiver = try startReceiver() }
    withSpan("GET /orders", ofKind: .server) { root in
        root.attributes["http.request.method"] = "GET"
        root.attributes["url.path"] = "/orders"
        root.attributes["order.region"] = "eu-west"
        root.attributes["order.index"] = index
        for child in 0..<4 {
            withSpan("load part", ofKind: .internal) { span in
                span.attributes["db.system.name"] = "sqlite"
                span.attributes["db.operation.name"] = "SELECT"
                span.attributes["db.collection.name"] = "parts"
                span.attributes["part.index"] = child
            }
        }
    }
}
let ended = seconds(since: start)
processor.shutdown(timeoutSeconds: 300)
let delivered = seconds(since: start)
sampling.store(false, ordering: .relaxed)
let counted = try received()
receiver?.terminate()
receiver?.waitUntilExit()
let counters = processor.counters
let line: [String: Any] = [
    "spans": traces * 5, "mode": mode + (durable ? " durable" : ""), "cpu_s": (cpuSeconds() * 100).rounded() / 100, "ended_s": (ended * 1000).rounded() / 1000, "full_delivery_s": (delivered * 1000).rounded() / 1000,
    "received": counted, "received_pct": (Double(counted) / Double(traces * 5) * 1000).rounded() / 10,
    "left_in_spool": counters.spooled - counters.drained, "spooled": counters.spooled, "lost": counters.lost,
    "peak_rss_mb": peakRSSMegabytes().rounded(), "spool_high_water_mb": (Double(highWater.withLock { $0 }) / 1_048_576).rounded(),
]
let json = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
