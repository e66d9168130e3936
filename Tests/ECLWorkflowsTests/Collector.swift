import Foundation
import Glibc
import TestSupport
import Testing

/// A real third-party OTLP receiver for end-to-end tests: rotel (PyPI `rotel`, its `rotel-agent`), which
/// validates and accepts OTLP/HTTP JSON, forwarding what it accepted to a small downstream sink
/// (Tests/Interop/otlp_sink.py) that records every span and log record it receives.
final class Collector {
    let port: Int
    let sinkFile: String
    private let rotel: ChildProcess
    private let sink: ChildProcess

    static let interop = OTLPSchemaValidator.interop

    /// rotel-agent from PATH, else from the installed Python package.
    static func rotelPath() throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/rotel-agent"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        // Its standard output alone: a warning Python prints is not part of the path.
        let finder = try ChildProcess(
            "python3", ["-c", "import rotel, os; print(os.path.join(os.path.dirname(rotel.__file__), 'rotel-agent'))"], standardOutput: .pipe,
            deadline: 60)
        let path = String(decoding: finder.standardOutput?.readDataToEndOfFile() ?? Data(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard try finder.wait() == 0, FileManager.default.isExecutableFile(atPath: path) else {
            throw CollectorError("rotel-agent not found: run 'make test' (it installs the PyPI package rotel)")
        }
        return path
    }

    struct CollectorError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Starts rotel on `port` (a free one when nil) forwarding to a fresh sink.
    init(directory: URL, port chosen: Int? = nil) throws {
        let sinkPort = try freeLocalPort()
        sinkFile = directory.appendingPathComponent("sink.jsonl").path

        sink = try ChildProcess(
            "python3", ["\(Self.interop)/otlp_sink.py", "\(sinkPort)", sinkFile], standardOutput: .pipe, deadline: ChildProcess.serverDeadline)
        do {
            // Wait for the sink's "ready" line: it is listening once it prints it.
            let line = sink.standardOutput?.readLine()
            guard line == "ready" else { throw CollectorError("the OTLP sink did not start: \(line ?? "no output")") }
            (rotel, port) = try Self.startRotel(chosen: chosen, sinkPort: sinkPort)
        } catch {
            _ = try? sink.stop()
            throw error
        }
    }

    /// rotel, started and listening. A free port can be taken by a test running beside this one before rotel
    /// binds it: rotel then exits, and is started again on fresh ports (a port the caller chose is kept).
    private static func startRotel(chosen: Int?, sinkPort: Int) throws -> (process: ChildProcess, port: Int) {
        var attempt = 1
        while true {
            let port = try chosen ?? freeLocalPort()
            let process = try startRotel(port: port, grpcPort: try freeLocalPort(), sinkPort: sinkPort)
            do {
                try waitUntilListening(port: port, process: process)
                return (process, port)
            } catch {
                _ = try? process.stop()
                guard attempt < 3 else { throw error }
                attempt += 1
            }
        }
    }

    /// Starts rotel (``ChildProcess`` clears the test runner's blocked signals, so SIGTERM reaches it and it
    /// forwards what it holds before exiting).
    static func startRotel(port: Int, grpcPort: Int, sinkPort: Int) throws -> ChildProcess {
        try ChildProcess(try rotelPath(), [
            "start", "--otlp-grpc-endpoint", "127.0.0.1:\(grpcPort)", "--otlp-http-endpoint", "127.0.0.1:\(port)",
            "--exporter", "otlp", "--otlp-exporter-endpoint", "http://127.0.0.1:\(sinkPort)", "--otlp-exporter-protocol", "http",
        ], deadline: ChildProcess.serverDeadline)
    }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    static func isListening(port: Int) -> Bool {
        guard let fd = connectToLocalPort(port) else { return false }
        close(fd)
        return true
    }

    /// Waits until something accepts connections on the port (rotel takes a moment to start), giving up
    /// when the process has exited or after 30 s.
    static func waitUntilListening(port: Int, process: ChildProcess) throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            if isListening(port: port) { return }
            usleep(20_000)
        }
        throw CollectorError("\(process.command) did not start listening on 127.0.0.1:\(port)")
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Stops rotel (it forwards what it holds on SIGTERM), then the sink, and returns what reached the sink:
    /// spans and log records as [traceId, spanId, name or body], metric points as [name, "k=v,…", value].
    func stop() -> (spans: [[String]], logs: [[String]], metrics: [[String]]) {
        // A server killed at its deadline before this stop is a failure: what it did not forward is not the run's.
        for server in [rotel, sink] {
            do { try server.stop(within: 30) } catch { Issue.record("\(error)") }
        }
        var spans: [[String]] = []
        var logs: [[String]] = []
        var metrics: [[String]] = []
        let text = (try? String(contentsOfFile: sinkFile, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let items = object["items"] as? [[String]]
            else { continue }
            switch object["signal"] as? String {
            case "traces": spans += items
            case "metrics": metrics += items
            default: logs += items
            }
        }
        return (spans, logs, metrics)
    }
}

extension FileHandle {
    /// One line from a pipe, blocking until it arrives.
    func readLine() -> String? {
        var bytes: [UInt8] = []
        while true {
            let byte = readData(ofLength: 1)
            guard let first = byte.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if first == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(first)
        }
    }
}

/// Spans and log records of OTLP JSONL files: (traceId, spanId, name or body).
enum OTLPFile {
    static func spans(_ path: String) throws -> [[String]] {
        try spanRecords(path).map { span in
            [span["traceId"] as? String ?? "", span["spanId"] as? String ?? "", span["name"] as? String ?? ""]
        }
    }

    static func logs(_ path: String) throws -> [[String]] {
        try logRecords(path).map { record in
            [record["traceId"] as? String ?? "", record["spanId"] as? String ?? "",
             ((record["body"] as? [String: Any])?["stringValue"] as? String) ?? ""]
        }
    }

    /// Every span object of every line.
    static func spanRecords(_ path: String) throws -> [[String: Any]] {
        try records(path, resources: "resourceSpans", scopes: "scopeSpans", items: "spans")
    }

    /// Every log record object of every line.
    static func logRecords(_ path: String) throws -> [[String: Any]] {
        try records(path, resources: "resourceLogs", scopes: "scopeLogs", items: "logRecords")
    }

    static func records(_ path: String, resources: String, scopes: String, items: String) throws -> [[String: Any]] {
        try documents(path).flatMap { document -> [[String: Any]] in
            ((document[resources] as? [[String: Any]]) ?? []).flatMap { resource in
                ((resource[scopes] as? [[String: Any]]) ?? []).flatMap { ($0[items] as? [[String: Any]]) ?? [] }
            }
        }
    }

    /// Every document of a JSONL file, or of every segment of a spool directory (oldest first).
    static func documents(_ path: String) throws -> [[String: Any]] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        if isDirectory.boolValue {
            let segments = try FileManager.default.contentsOfDirectory(atPath: path)
                .filter { ($0.hasPrefix("traces-") || $0.hasPrefix("logs-") || $0.hasPrefix("traces@") || $0.hasPrefix("logs@")) && $0.hasSuffix(".jsonl") }
                .sorted()
            return try segments.flatMap { try documents(path + "/" + $0) }
        }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
}
