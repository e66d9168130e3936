// The SQL log exporter's database work, on SQLite or PostgreSQL: insert rate by batch size, the asynchronous
// writer against the synchronous one (time on the caller's path, and events a second written), and query
// latency by workflow_id at one million rows. Usage: SQLLogBench URL [rows]
// Prints Markdown table rows; `make bench` runs it on SQLite, `make bench-pg` on a local PostgreSQL server.
import ECLCore
@_spi(Pipeline) import ECLLogSQL
import Foundation

let url = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "sqlite:/tmp/ecl-sql-bench.db"
let totalRows = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 1_000_000 : 1_000_000
let environment = ProcessInfo.processInfo.environment

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = start.duration(to: .now)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// A log line as the engine writes it: six fields, inside a step.
func event(_ index: Int, workflow: String) -> StoredLogLine {
    StoredLogLine(
        timestamp: Date(), level: index % 10 == 0 ? "warn" : "info", logger: "ECLCore.Executor", message: "Step succeeded",
        workflowId: workflow, stepId: "generate", traceId: "3f2b8c1e12344abc9def00112233aabb", spanId: "b7ad6b7169203331",
        fields: #"{"attempt":1,"duration_ms":12.5,"step_id":"generate","step_name":"Generate","tokens_used":40,"workflow_id":"\#(workflow)"}"#,
        durationMs: 12.5, tokensUsed: 40)
}

/// A store on a fresh database: a new SQLite file, or the PostgreSQL database emptied.
func freshStore() throws -> any LogEventStore {
    let destination = try SQLLogDestination.parse(url, source: "SQLLogBench", environment: environment)
    if case .sqlite(let path) = destination {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        return try destination.open()
    }
    let store = try destination.open()
    _ = try store.deleteEvents(olderThan: .distantFuture)
    return store
}

let engine = url.hasPrefix("sqlite:") ? "SQLite" : "PostgreSQL"
print("| \(engine): SQL log exporter | figure |")
print("| --- | ---: |")

// Insert rate by batch size: 100,000 events in batches of 100, 1000 and 10,000, one transaction a batch.
for batchSize in [100, 1000, 10_000] {
    let store = try freshStore()
    let events = (0..<batchSize).map { event($0, workflow: "w-\($0 % 100)") }
    let batches = 100_000 / batchSize
    let time = try seconds { for _ in 0..<batches { try store.insert(events) } }
    print("| insert, batches of \(batchSize) | \(Int(Double(batches * batchSize) / time)) events/s |")
    store.close()
}

// The writer: time on the caller's path per log line, and events a second into the database (20,000 events).
for synchronous in [false, true] {
    let store = try freshStore()
    let count = synchronous ? 5_000 : 20_000
    let writer = SQLLogWriter(store: store, bufferSize: 1000, synchronous: synchronous, report: { _ in })
    let events = (0..<count).map { event($0, workflow: "w-\($0 % 100)") }
    var callerTime = 0.0
    let total = seconds {
        callerTime = seconds { for event in events { writer.add(event) } }
        writer.shutdown(timeoutSeconds: 600)
    }
    let mode = synchronous ? "synchronous" : "asynchronous (batches of 1000)"
    print("| \(mode) writer: caller's time per event | \(String(format: "%.2f", callerTime / Double(count) * 1e6)) µs |")
    print("| \(mode) writer: events written a second | \(Int(Double(writer.writtenCount) / total)) |")
}

// Query latency by workflow_id with `totalRows` rows: 10,000 workflows of `totalRows / 10,000` events each.
do {
    let store = try freshStore()
    let perWorkflow = max(1, totalRows / 10_000)
    var batch: [StoredLogLine] = []
    batch.reserveCapacity(10_000)
    let fill = try seconds {
        for row in 0..<totalRows {
            batch.append(event(row, workflow: "w-\(row % 10_000)"))
            if batch.count == 10_000 {
                try store.insert(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try store.insert(batch) }
    }
    print("| fill \(totalRows) rows (batches of 10,000) | \(String(format: "%.1f", fill)) s |")
    var latencies: [Double] = []
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<300 {
        let workflow = "w-\(Int.random(in: 0..<10_000, using: &generator))"
        var found = 0
        latencies.append(try seconds { found = try store.events(workflowId: workflow).count })
        precondition(found == perWorkflow, "expected \(perWorkflow) events for \(workflow), found \(found)")
    }
    latencies.sort()
    let p50 = latencies[latencies.count / 2] * 1000
    let p99 = latencies[latencies.count * 99 / 100] * 1000
    print("| query by workflow_id at \(totalRows) rows (\(perWorkflow) rows returned): p50 / p99 | \(String(format: "%.2f", p50)) / \(String(format: "%.2f", p99)) ms |")
    store.close()
}
