import CurlClient
import Foundation
import Glibc
import TestSupport
import Testing

/// Debian's Prometheus Pushgateway and Prometheus (installed by `make test`), started on free ports of
/// 127.0.0.1 in a scratch directory: Prometheus scrapes the Pushgateway every second, keeping the pushed
/// labels (`honor_labels`), as a real set-up for batch jobs does.
final class PrometheusServers {
    let pushgatewayPort: Int
    let prometheusPort: Int
    private let pushgateway: ChildProcess
    private let prometheus: ChildProcess

    var pushgatewayURL: String { "http://127.0.0.1:\(pushgatewayPort)" }
    var prometheusURL: String { "http://127.0.0.1:\(prometheusPort)" }

    struct ServerError: Error, CustomStringConvertible {
        let description: String
    }

    /// `name` from PATH or /usr/bin.
    static func binary(_ name: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + ["/usr/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ServerError(description: "\(name) not found: run 'make test' (it installs Debian's prometheus and prometheus-pushgateway)")
    }

    /// Starts both; Prometheus also scrapes `scrapeTargets` (`host:port`) as job `ecl`.
    init(directory: URL, scrapeTargets: [String] = []) throws {
        pushgatewayPort = try freeLocalPort()
        // Its own persistence file: Debian's default is one shared by every Pushgateway on the machine.
        pushgateway = try Self.start(try Self.binary("prometheus-pushgateway"), [
            "--web.listen-address=127.0.0.1:\(pushgatewayPort)", "--persistence.file=\(directory.appendingPathComponent("pushgateway.data").path)",
        ], log: directory.appendingPathComponent("pushgateway.log"))
        do {
            try Collector.waitUntilListening(port: pushgatewayPort, process: pushgateway)
            (prometheus, prometheusPort) = try Self.startPrometheus(directory: directory, pushgatewayPort: pushgatewayPort, scrapeTargets: scrapeTargets)
        } catch {
            _ = try? pushgateway.stop()
            throw error
        }
    }

    /// Prometheus on a free port, listening, scraping the Pushgateway and `scrapeTargets`.
    private static func startPrometheus(directory: URL, pushgatewayPort: Int, scrapeTargets: [String]) throws -> (ChildProcess, Int) {
        let port = try freeLocalPort()
        let config = directory.appendingPathComponent("prometheus.yml")
        try """
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: pushgateway
            honor_labels: true
            static_configs:
              - targets: ['127.0.0.1:\(pushgatewayPort)']
        \(scrapeTargets.isEmpty ? "" : """
          - job_name: ecl
            static_configs:
              - targets: [\(scrapeTargets.map { "'\($0)'" }.joined(separator: ", "))]
        """)
        """.write(to: config, atomically: true, encoding: .utf8)
        let prometheus = try start(try binary("prometheus"), [
            "--config.file=\(config.path)", "--storage.tsdb.path=\(directory.appendingPathComponent("tsdb").path)",
            "--web.listen-address=127.0.0.1:\(port)",
        ], log: directory.appendingPathComponent("prometheus.log"))
        do {
            try Collector.waitUntilListening(port: port, process: prometheus)
        } catch {
            _ = try? prometheus.stop()
            throw error
        }
        return (prometheus, port)
    }

    private static func start(_ binary: String, _ arguments: [String], log: URL) throws -> ChildProcess {
        try ChildProcess(binary, arguments, standardOutput: .file(log.path), standardError: .standardOutput, deadline: ChildProcess.serverDeadline)
    }

    /// The value of a PromQL query that returns one number, asked of Prometheus until it is `expected` or 60 s
    /// have passed (it scrapes every second); the last value seen otherwise (nil for none).
    func query(_ promQL: String, until expected: Double) -> Double? {
        var last: Double?
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            last = queryOnce(promQL)
            if last == expected { return last }
            usleep(250_000)
        }
        return last
    }

    /// The value of a PromQL query asked of Prometheus until `accepted` holds or 60 s have passed; the last
    /// value seen (nil for none).
    func query(_ promQL: String, until accepted: (Double) -> Bool) -> Double? {
        var last: Double?
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            last = queryOnce(promQL)
            if let last, accepted(last) { return last }
            usleep(250_000)
        }
        return last
    }

    func queryOnce(_ promQL: String) -> Double? {
        var components = URLComponents(string: prometheusURL + "/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promQL)]
        guard let url = components.url, let body = get(url.absoluteString),
            let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = object["data"] as? [String: Any], let vector = data["result"] as? [[String: Any]], let first = vector.first,
            let value = first["value"] as? [Any], value.count == 2, let text = value[1] as? String
        else { return nil }
        return Double(text)
    }

    /// The Pushgateway's own exposition (what it holds).
    func pushgatewayText() -> String { get(pushgatewayURL + "/metrics") ?? "" }

    private let client = CurlHTTPClient(userAgent: "ecl-tests")

    private func get(_ url: String) -> String? {
        guard let response = try? client.send(HTTPRequest(method: "GET", url: url, timeoutSeconds: 5)), response.status == 200 else { return nil }
        return response.text
    }

    func stop() {
        for process in [prometheus, pushgateway] {
            do { try process.stop(within: 30) } catch { Issue.record("\(error)") }
        }
    }
}
