// Workflow overhead: the same workflows with telemetry off, dev and prod, in separate processes (swift-log
// and the tracer are bootstrapped once per process). Usage: WorkflowOverhead MODE [workflows], where MODE is off,
// dev, prod, prod+durable (every batch on disk before it is sent), prod+sqlite (prod with the SQL log exporter on a SQLite file) or prod+postgres (on the server
// named by ECL_BENCH_POSTGRES_URL). `WorkflowOverhead loglines N` writes N JSON log lines with six fields and
// the correlation context set, and nothing else: a loop to profile (perf record) the log call alone;
// `WorkflowOverhead disabled N` makes N debug calls below the prod preset's level.
// Prints one JSON line: mode, workflows, wall_ms, cpu_ms. `make bench` runs each mode several times.
import ECLCore
import ECLLogging
@_spi(Pipeline) import ECLTelemetry
import Foundation
import Logging
@_spi(Pipeline) import OTLPExporter
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// About 1 ms of real CPU work, logged and traced like any step.
struct BusyStep: Step {
    let id: StepId
    let name: String
    let retryPolicy = RetryPolicy.none

    /// Spins on arithmetic until this thread has used 1 ms of CPU.
    func execute(context: StepContext, input: UInt64) async -> StepResult<UInt64> {
        var value = input | 1
        let start = threadCPUNanoseconds()
        while threadCPUNanoseconds() - start < 1_000_000 {
            for _ in 0..<1000 { value = value &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
        }
        return .success(value)
    }
}

func threadCPUNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

func cpuMilliseconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
}

let mode = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "off"
let count = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 100 : 100
/// A preset with its lines thrown away: the logging's cost without the terminal's.
func discarding(_ preset: LogConfig) -> LogConfig {
    var config = preset
    config.output = .file("/dev/null")
    return config
}

/// Logging alone, with the prod preset, for the loops that measure the log call.
func prodLogger() throws -> Logger {
    try ECLLoggingSystem.bootstrap(discarding(.prod), metadataProvider: Correlation.metadataProvider)
    return Logger(label: "ECLCore.Executor")
}

if mode == "disabled" {
    let logger = try prodLogger()
    let cpuStart = cpuMilliseconds()
    for index in 0..<count { logger.debug("Database operation", metadata: ["rows": .stringConvertible(index)]) }
    print(#"{"mode":"disabled","calls":\#(count),"cpu_ns_per_call":\#((cpuMilliseconds() - cpuStart) * 1e6 / Double(count))}"#)
    exit(0)
}

if mode == "loglines" {
    let logger = try prodLogger()
    let id = WorkflowId()
    let cpuStart = cpuMilliseconds()
    await StepSpan(workflowId: id, stepId: "generate", name: "Generate").run { _ in
        for index in 0..<count {
            logger.info("Step succeeded", metadata: ["duration_ms": .stringConvertible(12.5), "tokens_used": .stringConvertible(index)])
        }
    }
    ECLLoggingSystem.flush()
    print(#"{"mode":"loglines","lines":\#(count),"cpu_ns_per_line":\#((cpuMilliseconds() - cpuStart) * 1e6 / Double(count))}"#)
    exit(0)
}

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-overhead-\(UUID())").path
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }

var collector: LocalHTTPServer?
var telemetry: Telemetry?
switch mode {
case "off":
    LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
case "dev":
    telemetry = try Telemetry.bootstrap(logConfig: discarding(.dev), options: TelemetryOptions(consoleSpans: true), environment: [:], report: { _ in })
case "prod", "prod+durable", "prod+sqlite", "prod+postgres":
    var config = discarding(.prod)
    if mode == "prod+sqlite" { config.sqlExporter = SQLExporterConfig(databaseURL: "sqlite:\(scratch)/logs.db") }
    if mode == "prod+postgres" {
        guard let url = ProcessInfo.processInfo.environment["ECL_BENCH_POSTGRES_URL"] else {
            FileHandle.standardError.write(Data("prod+postgres needs ECL_BENCH_POSTGRES_URL\n".utf8))
            exit(2)
        }
        config.sqlExporter = SQLExporterConfig(databaseURL: url)
    }
    let server = try LocalHTTPServer(fallback: .respond(status: 200, body: "{}"))
    collector = server
    let otlp = OTLPHTTPConfiguration(tracesURL: server.baseURL + "/v1/traces", logsURL: server.baseURL + "/v1/logs")
    var options = TelemetryOptions(otlp: otlp, spoolDirectory: scratch + "/spool")
    options.durable = mode == "prod+durable"
    telemetry = try Telemetry.bootstrap(
        logConfig: config, options: options, environment: [:],
        report: { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) })
default:
    FileHandle.standardError.write(Data("usage: WorkflowOverhead off|dev|prod|prod+durable|prod+sqlite|prod+postgres|loglines|disabled [count]\n".utf8))
    exit(2)
}

var definition = WorkflowDefinition<UInt64>(name: "busy")
definition.add(BusyStep(id: "a", name: "A")) { $0.input }
definition.add(BusyStep(id: "b", name: "B"), dependsOn: ["a"]) { $0.output(of: "a", as: UInt64.self) ?? 0 }
definition.add(BusyStep(id: "c", name: "C"), dependsOn: ["b"]) { $0.output(of: "b", as: UInt64.self) ?? 0 }
let orchestrator = WorkflowOrchestrator(executor: StepExecutor(llm: OfflineLLMProvider()))

let cpuStart = cpuMilliseconds()
let start = ContinuousClock.now
for index in 0..<count { _ = try await orchestrator.run(definition, input: UInt64(index)) }
telemetry?.shutdown()
let elapsed = start.duration(to: .now)
let wall = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
print(#"{"mode":"\#(mode)","workflows":\#(count),"wall_ms":\#(wall),"cpu_ms":\#(cpuMilliseconds() - cpuStart)}"#)
collector?.stop()
