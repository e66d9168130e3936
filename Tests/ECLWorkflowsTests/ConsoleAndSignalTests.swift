import Foundation
import TestSupport
import Testing

@Suite struct ConsoleAndSignalTests {
    @Test func devPresetPrintsSpansIndentedUnderTheirParents() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let run = try cli.run(arguments: ["run", "simple", "--preset", "dev", "--db", ":memory:"], environment: ["NO_COLOR": "1"])
        #expect(run.status == 0)
        let spans = run.stderrLines.filter { $0.hasPrefix("span ") }
        #expect(spans.last?.hasPrefix("span workflow simple  ") == true)
        #expect(spans.contains { $0.hasPrefix("span   step generate  ") && $0.contains("ecl.step.attempt=1") })
        #expect(spans.contains { $0.hasPrefix("span     chat offline-deterministic  ") && $0.contains("gen_ai.usage.input_tokens=") })
        // Debug lines come with the dev preset.
        #expect(run.stderr.contains("DEBUG"))
    }

    @Test func prodPresetExportsWithAFallback() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let collector = try Collector(directory: cli.directory)
        // OTEL_EXPORTER_OTLP_ENDPOINT stands in for the default http://localhost:4318.
        let run = try cli.run(arguments: ["run", "simple", "--preset", "prod"], environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint])
        let received = collector.stop()
        #expect(run.status == 0)
        #expect(!received.spans.isEmpty && !received.logs.isEmpty)
        // JSON logs (on stderr here), every line an object.
        #expect(run.stderrLines.allSatisfy { $0.hasPrefix("{\"timestamp\"") })

        let closed = try freeLocalPort()
        let offline = try cli.run(
            arguments: ["run", "simple", "--preset", "prod", "--db", ":memory:"],
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(closed)", "OTEL_BSP_EXPORT_TIMEOUT": "500", "OTEL_BLRP_EXPORT_TIMEOUT": "500"])
        #expect(offline.status == 0)
        #expect(!(try OTLPFile.spans(cli.directory.appendingPathComponent("ecl-otlp-fallback.jsonl").path)).isEmpty)
    }

    @Test func sigtermWritesPendingTelemetryBeforeExiting() throws {
        let cli = try CommandRunner()
        defer { cli.remove() }
        let dump = cli.directory.appendingPathComponent("dump.jsonl").path
        // A long run: most model calls fail and wait before their retry.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
            CommandRunner.binary.path, "run", "--count", "500", "--concurrency", "2", "--llm-fault-rate", "0.9", "--seed", "1",
            "--jsonl-out", dump, "--db", ":memory:", "--log-format", "json",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["ECL_LOG_OUTPUT"] = "stderr"
        process.environment = environment
        process.currentDirectoryURL = cli.directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The first retry warning means spans have ended and wait in the queue (the span delay is 5 s).
        while let line = errors.fileHandleForReading.readLine(), !line.contains("Retrying after failure") {}
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + SIGTERM)
        let spans = try OTLPFile.spans(dump)
        #expect(!spans.isEmpty)
        #expect(spans.contains { $0[2] == "step generate" })
    }
}
