import Foundation
@_spi(Pipeline) import OTLPExporter
import ServiceContextModule
import TestSupport
import Testing
import Tracing

/// The TLS files of the environment reach the connection: an https collector that only a client certificate
/// signed by its authority may talk to (mutual TLS), with a certificate authority of the test's own.
@Suite struct TLSTests {
    /// A certificate authority, a server certificate for 127.0.0.1 and a client certificate, made by openssl.
    struct Certificates {
        let directory: URL
        var ca: String { path("ca.pem") }
        var serverCert: String { path("server.pem") }
        var serverKey: String { path("server.key") }
        var clientCert: String { path("client.pem") }
        var clientKey: String { path("client.key") }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-tls-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data("subjectAltName=IP:127.0.0.1\n".utf8).write(to: directory.appendingPathComponent("san.ext"))
            let steps: [[String]] = [
                ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=ecl-test-ca"],
                ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
                ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2",
                 "-extfile", "san.ext"],
                ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=ecl-client"],
                ["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2"],
            ]
            for step in steps {
                let run = try Subprocess.run("/usr/bin/env", ["openssl"] + step, in: directory)
                guard run.status == 0 else { throw TLSTestError("openssl \(step.prefix(2).joined(separator: " ")) failed: \(run.output)") }
            }
        }
    }

    struct TLSTestError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The https receiver (Tests/Interop/tls_receiver.py): started, then stopped with what it logged.
    final class Receiver {
        let port: Int
        private let process: ChildProcess

        init(_ certificates: Certificates) throws {
            port = try freeLocalPort()
            process = try ChildProcess(
                "python3", ["\(OTLPSchemaValidator.interop)/tls_receiver.py", "\(port)", certificates.serverCert, certificates.serverKey, certificates.ca],
                standardOutput: .pipe, deadline: ChildProcess.serverDeadline)
            let output = try #require(process.standardOutput)
            var line: [UInt8] = []
            while let byte = try output.read(upToCount: 1)?.first, byte != 10 { line.append(byte) }
            guard String(decoding: line, as: UTF8.self) == "ready" else {
                _ = try? process.stop()
                throw TLSTestError("the TLS receiver did not start")
            }
        }

        /// Stops it; the request lines it printed.
        func stop() -> [String] {
            do { try process.stop() } catch { Issue.record("\(error)") }
            let text = String(decoding: process.standardOutput?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
            return text.split(separator: "\n").map(String.init)
        }
    }

    /// One trace of two spans with a line, exported with `environment`; the counters after shutdown.
    func export(_ environment: [String: String]) -> (spans: DeliveryCounters?, logs: DeliveryCounters?) {
        let observability = OTLPObservability(environment: environment, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        let logger = Logger(label: "app") { observability.logHandler(label: $0) }
        let root = observability.tracer.startSpan("request", context: .topLevel, ofKind: .server, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        ServiceContext.withValue(root.context) { logger.info("handled") }
        observability.tracer.startSpan("query", context: root.context, ofKind: .client, at: DefaultTracerClock.now, function: "", file: "", line: 0).end()
        root.end()
        observability.shutdown(timeoutSeconds: 10)
        return (observability.spanCounters, observability.logCounters)
    }

    @Test func mutualTLSWithTheEnvironmentsFiles() throws {
        let certificates = try Certificates()
        defer { try? FileManager.default.removeItem(at: certificates.directory) }
        let receiver = try Receiver(certificates)
        let endpoint = "https://127.0.0.1:\(receiver.port)"
        let all = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_EXPORTER_OTLP_TIMEOUT": "3000", "OTEL_EXPORTER_OTLP_CERTIFICATE": certificates.ca,
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": certificates.clientCert, "OTEL_EXPORTER_OTLP_CLIENT_KEY": certificates.clientKey,
        ]
        let trusted = export(all)
        #expect(trusted.spans?.delivered == 2 && trusted.logs?.delivered == 1, "\(String(describing: trusted))")
        // Without the client certificate the server ends the handshake; without the authority, the server is not trusted.
        let anonymous = export(all.filter { !$0.key.contains("CLIENT") })
        #expect(anonymous.spans?.delivered == 0 && anonymous.spans?.lost == 2)
        let untrusted = export(all.filter { $0.key != "OTEL_EXPORTER_OTLP_CERTIFICATE" })
        #expect(untrusted.spans?.delivered == 0 && untrusted.spans?.lost == 2)
        let requests = receiver.stop()
        #expect(requests.filter { $0.hasPrefix("POST /v1/traces ecl-client ") }.count == 1, "\(requests)")
        #expect(requests.filter { $0.hasPrefix("POST /v1/logs ecl-client ") }.count == 1, "\(requests)")
        // The refused handshakes never made a request (and no metric was recorded: none is sent).
        #expect(requests.count == 2, "\(requests)")
    }
}
