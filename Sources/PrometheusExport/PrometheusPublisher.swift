import CurlClient
import Foundation
import JSONWriting
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

        /// The group as a user selects it: `job ecl-workflows, run 1b4e…`.
        public var group: String {
            (["job \(job)"] + grouping.map { "\($0.0) \($0.1)" }).joined(separator: ", ")
        }

        /// `text` with the URL's credentials (its password, `user:password` and their base64, as in a Basic
        /// authorization header) shown as `***`.
        func hidingCredentials(_ text: String) -> String {
            guard let components = URLComponents(string: url) else { return text }
            var secrets: [String] = []
            if let password = components.password, !password.isEmpty {
                let pair = (components.user ?? "") + ":" + password
                secrets += [Data(pair.utf8).base64EncodedString(), pair, password]
                if let decoded = password.removingPercentEncoding, decoded != password { secrets.append(decoded) }
            }
            for item in components.queryItems ?? [] where URLText.isSecretParameter(item.name) {
                if let value = item.value, !value.isEmpty { secrets.append(value) }
            }
            return secrets.filter { $0.count >= 3 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
        }

        /// The same URL, job and grouping.
        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.url == rhs.url && lhs.job == rhs.job && lhs.grouping.map { $0.0 + "=" + $0.1 } == rhs.grouping.map { $0.0 + "=" + $0.1 }
        }
    }

    /// What was published so far.
    public struct Counts: Sendable, Equatable {
        /// Pushes the Pushgateway took (2xx).
        public var pushed = 0
        /// Pushes that failed (the first failure of a series is said; the last push's always).
        public var pushFailures = 0
        /// Files written.
        public var written = 0
        /// Writes that failed.
        public var writeFailures = 0
        /// The run's last figures did not reach the Pushgateway (the final push failed, or was not made).
        public var finalPushMissing = false
        /// The run's last figures are not in the file (the final write failed).
        public var finalWriteFailed = false
    }

    /// Where it pushes, if anywhere.
    public let pushgateway: Pushgateway?
    /// The file it writes, if any.
    public let textFile: String?
    /// Seconds between publications during a run.
    public let intervalSeconds: Double
    /// The longest a push may take during the run, in seconds.
    public let timeoutSeconds: Double
    private let render: @Sendable () -> [UInt8]
    private let client = CurlHTTPClient(userAgent: "ecl-workflows (swift; libcurl; prometheus)", maxIdleHandles: 1)
    private let report: @Sendable (String) -> Void
    private let counts = Mutex(Counts())
    /// Held while the file is written (renders and writes never overlap, so the file's last write is the newest).
    private let writing = Mutex(())
    /// The periodic push under way, to wait for or cancel before the last one.
    private let pushing = Mutex<TransferCancellation?>(nil)
    /// The periodic threads: the final publication waits for them, so no older one lands after it.
    private let workers = DispatchGroup()
    /// Whether the last push failed (a series of failures is said once).
    private let failing = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let wake = NSCondition()

    /// Starts publishing what `render` returns every `intervalSeconds`, until ``finish(timeoutSeconds:pushing:)``.
    public init(
        pushgateway: Pushgateway?, textFile: String?, intervalSeconds: Double, timeoutSeconds: Double = 10,
        render: @escaping @Sendable () -> [UInt8], report: @escaping @Sendable (String) -> Void
    ) {
        self.pushgateway = pushgateway
        self.textFile = textFile
        self.intervalSeconds = max(0.05, intervalSeconds)
        self.timeoutSeconds = max(0.1, timeoutSeconds)
        self.render = render
        self.report = report
        // The file and the push on threads of their own, so a Pushgateway that hangs never holds up the file.
        if textFile != nil { start("ecl-prometheus-file") { $0.publish(final: false, writingFile: true, pushing: false) } }
        if pushgateway != nil { start("ecl-prometheus-push") { $0.publish(final: false, writingFile: false, pushing: true) } }
    }

    /// A thread that runs `work` every interval until the publisher stops (it holds the publisher weakly).
    private func start(_ name: String, _ work: @escaping @Sendable (PrometheusPublisher) -> Void) {
        workers.enter()
        let thread = Thread { [weak self, wake, workers, interval = self.intervalSeconds] in
            defer { workers.leave() }
            while true {
                // Stopped is looked at under the lock finish() wakes the threads under: no wake-up is missed.
                wake.lock()
                if self?.isStopped == false { _ = wake.wait(until: Date(timeIntervalSinceNow: interval)) }
                wake.unlock()
                guard let publisher = self, !publisher.isStopped else { return }
                work(publisher)
            }
        }
        thread.name = name
        thread.start()
    }

    private var isStopped: Bool { stopped.load(ordering: .acquiring) }

    deinit {
        stopped.store(true, ordering: .releasing)
        wake.lock()
        wake.broadcast()
        wake.unlock()
    }

    /// Stops the periodic publication and publishes the run's final figures within `timeoutSeconds`: the
    /// publication under way ends first (a push gets half the time, then is cancelled), so no older figures
    /// land after the final ones; then the file, then the push. Without `pushing` (a process that must exit
    /// now) the push under way is cancelled at once, only the file is written, and the Pushgateway keeps the
    /// last push made, which is said. Later calls do nothing.
    public func finish(timeoutSeconds: Double, pushing push: Bool = true) {
        let (first, _) = stopped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        guard first else { return }
        wake.lock()
        wake.broadcast()
        wake.unlock()
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        // The periodic push under way gets half the time (none when the process must exit now), then is
        // cancelled; then the threads are waited for, so their last publication is behind the final one.
        if !push || workers.wait(timeout: .now() + timeoutSeconds / 2) == .timedOut {
            pushing.withLock { $0?.cancel() }
        }
        _ = workers.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow))
        publish(final: true, writingFile: true, pushing: push, timeoutSeconds: max(0.1, deadline.timeIntervalSinceNow))
        if !push, let pushgateway {
            counts.withLock { $0.finalPushMissing = true }
            let last = published.pushed > 0 ? "keeps this run's last push" : "has nothing of this run"
            report("Prometheus: not pushed at exit (stopped at once); \(URLText.redacted(pushgateway.url)) \(last) (\(pushgateway.group))\(textFile.map { ", \($0) has its final figures" } ?? "")")
        }
    }

    /// What was published so far.
    public var published: Counts { counts.withLock { $0 } }

    /// The run's final figures reached none of the places they were meant for (the file has them though the
    /// push failed: they are written; each failure was said).
    public var finalFiguresNowhere: Bool {
        let published = published
        let missed = (published.finalPushMissing ? 1 : 0) + (published.finalWriteFailed ? 1 : 0)
        let places = (pushgateway != nil ? 1 : 0) + (textFile != nil ? 1 : 0)
        return places > 0 && missed == places
    }

    /// One publication: rendered once, written, then pushed. A periodic push registers its cancellation
    /// before anything else and gives up once the publisher is stopped, so finish() can always cancel it.
    private func publish(final: Bool, writingFile: Bool, pushing push: Bool, timeoutSeconds: Double? = nil) {
        let cancellation = TransferCancellation()
        if push, !final {
            pushing.withLock { $0 = cancellation }
            guard !stopped.load(ordering: .acquiring) else {
                pushing.withLock { $0 = nil }
                return
            }
        }
        let text = render()
        if writingFile, let textFile {
            let succeeded = writing.withLock { _ in write(text, to: textFile, final: final) }
            if final, !succeeded { counts.withLock { $0.finalWriteFailed = true } }
        }
        if push, let pushgateway {
            self.push(text, to: pushgateway, final: final, timeoutSeconds: timeoutSeconds ?? self.timeoutSeconds, cancellation: cancellation)
        }
    }

    private func push(_ text: [UInt8], to gateway: Pushgateway, final: Bool, timeoutSeconds: Double, cancellation: TransferCancellation) {
        let request = HTTPRequest(
            method: "PUT", url: gateway.pushURL, headers: [(name: "Content-Type", value: "text/plain; version=0.0.4")], body: text,
            timeoutSeconds: max(0.1, timeoutSeconds), maxResponseBytes: 64 << 10)
        defer { if !final { pushing.withLock { $0 = nil } } }
        let problem: String?
        do {
            let response = try client.send(request, cancellation: final ? nil : cancellation)
            // The reply's first words, without anything of the credentials (a server may echo the request).
            let body = VisibleText.escape(gateway.hidingCredentials(String(response.text.prefix(200))).trimmingCharacters(in: .whitespacesAndNewlines))
            problem = (200..<300).contains(response.status) ? nil : "answered HTTP \(response.status)" + (body.isEmpty ? "" : ": \(body)")
        } catch {
            problem = error.message
        }
        counts.withLock {
            if problem == nil { $0.pushed += 1 } else { $0.pushFailures += 1 }
            if final { $0.finalPushMissing = problem != nil }
        }
        let wasFailing = failing.exchange(problem != nil, ordering: .relaxed)
        let shown = URLText.redacted(gateway.url)
        if let problem, final {
            report("Prometheus: the run's last push to \(shown) failed (\(problem)); the Pushgateway has \(published.pushed > 0 ? "an earlier push" : "nothing of this run") (\(gateway.group))")
        } else if let problem, !wasFailing {
            report("Prometheus: the push to \(shown) failed (\(problem)); the next push sends the totals again (further failures are counted)")
        } else if problem == nil, wasFailing, !final {
            report("Prometheus: \(shown) takes pushes again")
        }
    }

    /// Writes the file; true when written. A failure is said the first time and at the end.
    private func write(_ text: [UInt8], to path: String, final: Bool) -> Bool {
        do {
            try Self.writeAtomically(text, to: path)
            counts.withLock { $0.written += 1 }
            return true
        } catch {
            let first = counts.withLock { counts -> Bool in
                counts.writeFailures += 1
                return counts.writeFailures == 1
            }
            if first || final { report("Prometheus: cannot write \(path): \(error.localizedDescription)") }
            return false
        }
    }

    /// The file a write of `path` goes to before it is renamed: in the same directory, named by the process
    /// (short, whatever the length of `path`'s name).
    public static func temporaryPath(for path: String) -> String {
        let directory = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
        return directory + ".ecl-metrics-\(getpid()).tmp"
    }

    /// Writes `bytes` beside `path` and renames it over `path`.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = URL(fileURLWithPath: temporaryPath(for: path))
        try Data(bytes).write(to: temporary)
        guard rename(temporary.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: reason])
        }
    }
}
