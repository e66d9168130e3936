import CurlClient
import Foundation
import Synchronization

/// Where a run's metrics go in the Prometheus text format: a Pushgateway (a batch job pushes; nothing scrapes
/// it), and a file for node_exporter's textfile collector. Both every interval while the run lasts, and once at
/// its end; each push replaces the group's metrics (PUT), each write the whole file (written beside it, then
/// renamed: a reader never sees half a file).
public final class PrometheusPublisher: Sendable {
    /// A Pushgateway and the group pushed to.
    public struct Pushgateway: Sendable, Equatable {
        /// Its base URL, such as `http://127.0.0.1:9091`.
        public var url: String
        /// The `job` label.
        public var job: String
        /// More grouping labels, such as `run`.
        public var grouping: [(String, String)]

        /// Creates a destination.
        public init(url: String, job: String, grouping: [(String, String)] = []) {
            self.url = url
            self.job = job
            self.grouping = grouping
        }

        /// `<url>/metrics/job/<job>/<label>/<value>…`, each value percent-encoded; a value with a `/` (or an
        /// empty one) in the Pushgateway's base64url form, `<label>@base64/<value>`.
        public var pushURL: String {
            var path = "metrics/" + Self.pair("job", job)
            for (label, value) in grouping { path += "/" + Self.pair(PrometheusNames.label(label), value) }
            return URLText.appendingPath(url, path)
        }

        private static func pair(_ label: String, _ value: String) -> String {
            guard !value.isEmpty, !value.contains("/") else {
                let encoded = Data(value.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                return label + "@base64/" + (encoded.isEmpty ? "=" : encoded)
            }
            return label + "/" + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value)
        }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.url == rhs.url && lhs.job == rhs.job && lhs.grouping.map { $0.0 + "=" + $0.1 } == rhs.grouping.map { $0.0 + "=" + $0.1 }
        }
    }

    /// What was published so far.
    public struct Counts: Sendable, Equatable {
        /// Pushes the Pushgateway took (2xx).
        public var pushed = 0
        /// Pushes that failed (said as they failed).
        public var pushFailures = 0
        /// Files written.
        public var written = 0
        /// Writes that failed.
        public var writeFailures = 0
    }

    /// Where it pushes, if anywhere.
    public let pushgateway: Pushgateway?
    /// The file it writes, if any.
    public let textFile: String?
    /// Seconds between publications during a run.
    public let intervalSeconds: Double
    private let render: @Sendable () -> [UInt8]
    private let client = CurlHTTPClient(userAgent: "ecl-workflows (swift; libcurl; prometheus)", maxIdleHandles: 1)
    private let report: @Sendable (String) -> Void
    private let counts = Mutex(Counts())
    private let publishing = Mutex(())
    private let stopped = Atomic<Bool>(false)
    private let wake = NSCondition()
    private let done = DispatchSemaphore(value: 0)

    /// Starts publishing what `render` returns every `intervalSeconds`, until ``finish(timeoutSeconds:)``.
    public init(
        pushgateway: Pushgateway?, textFile: String?, intervalSeconds: Double, render: @escaping @Sendable () -> [UInt8],
        report: @escaping @Sendable (String) -> Void
    ) {
        self.pushgateway = pushgateway
        self.textFile = textFile
        self.intervalSeconds = max(0.05, intervalSeconds)
        self.render = render
        self.report = report
        let thread = Thread { [self] in
            while true {
                wake.lock()
                if !stopped.load(ordering: .acquiring) { _ = wake.wait(until: Date(timeIntervalSinceNow: self.intervalSeconds)) }
                wake.unlock()
                if stopped.load(ordering: .acquiring) { break }
                publish(timeoutSeconds: 10)
            }
            done.signal()
        }
        thread.name = "ecl-prometheus"
        thread.start()
    }

    /// Stops the periodic publication and publishes once more, the run's final figures (without the push
    /// when not `pushing`: a process that must exit now only writes its file); later calls do nothing.
    public func finish(timeoutSeconds: Double, pushing: Bool = true) {
        let (first, _) = stopped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        guard first else { return }
        wake.lock()
        wake.broadcast()
        wake.unlock()
        _ = done.wait(timeout: .now() + timeoutSeconds)
        publish(timeoutSeconds: timeoutSeconds, pushing: pushing)
    }

    /// What was published so far.
    public var published: Counts { counts.withLock { $0 } }

    /// One publication: the text rendered once, pushed and written.
    private func publish(timeoutSeconds: Double, pushing: Bool = true) {
        publishing.withLock { _ in
            let text = render()
            if pushing, let pushgateway { push(text, to: pushgateway, timeoutSeconds: timeoutSeconds) }
            if let textFile { write(text, to: textFile) }
        }
    }

    private func push(_ text: [UInt8], to gateway: Pushgateway, timeoutSeconds: Double) {
        let request = HTTPRequest(
            method: "PUT", url: gateway.pushURL, headers: [(name: "Content-Type", value: "text/plain; version=0.0.4")], body: text,
            timeoutSeconds: max(1, min(timeoutSeconds, 10)), maxResponseBytes: 64 << 10)
        let problem: String?
        do {
            let response = try client.send(request)
            problem = (200..<300).contains(response.status)
                ? nil : "answered HTTP \(response.status): \(String(response.text.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines))"
        } catch {
            problem = error.message
        }
        counts.withLock { if problem == nil { $0.pushed += 1 } else { $0.pushFailures += 1 } }
        if let problem { report("Prometheus: the push to \(URLText.redacted(gateway.url)) failed (\(problem)); the next push sends the totals again") }
    }

    private func write(_ text: [UInt8], to path: String) {
        do {
            try Self.writeAtomically(text, to: path)
            counts.withLock { $0.written += 1 }
        } catch {
            counts.withLock { $0.writeFailures += 1 }
            report("Prometheus: cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Writes `bytes` beside `path` and renames it over `path`.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        try Data(bytes).write(to: temporary)
        guard rename(temporary.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: reason])
        }
    }
}
